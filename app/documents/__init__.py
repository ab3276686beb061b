"""Signed documents: keys, PDF rendering, PAdES signing, encrypted storage, the registry."""
