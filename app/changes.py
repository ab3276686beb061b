"""Field-by-field changes of a record, written to the audit log as ``{"field": {"from": old, "to": new}}``.

The same shape as a transition's ``{"from": …, "to": …}`` (app.complaints and app.agreements),
per field: an edit form assigns its values through :func:`apply`, and the audit entry
names exactly what changed. A field whose value is the same is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def apply(record: Any, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Set ``values`` on ``record``; return the changed fields with their old and new values."""
    changed: dict[str, dict[str, Any]] = {}
    for name, new in values.items():
        old = getattr(record, name)
        if old != new:
            changed[name] = {"from": old, "to": new}
            setattr(record, name, new)
    return changed
