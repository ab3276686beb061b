"""The JSON API for integrators (``/api/v1``), described by the OpenAPI document it serves.

- ``registry.py``: every operation declared once — method, path, parameters and responses as
  pydantic models — by the decorator that also serves it; ``openapi.py`` builds the OpenAPI
  3.1 document from those declarations, so the document cannot drift from the code.
- ``problems.py``: errors as ``application/problem+json`` (RFC 9457), in the caller's language.
- ``models.py``: the request and response models; field names are stable, in English.
- ``public_views.py``: the operations for anyone (rate-limited per address).
- ``docs_views.py``: ``/api/v1/openapi.json`` and the human-readable ``/api/v1/docs``.
"""
