"""NCA RK signatures: GOST R 34.11-2012 (Streebog) and GOST R 34.10-2012 as the NCA uses them.

Built up for issue 12 (associations sign agreements with their NCA keys); nothing in the app
calls it yet.
"""
