"""File sizes as the reader writes them: "340 KB", "340 КБ", "2,5 МБ"."""

from __future__ import annotations

import math

from flask_babel import format_decimal
from flask_babel import gettext as _

KILOBYTE = 1024
MEGABYTE = 1024 * 1024


def file_size(size: int | None) -> str:
    """Kilobytes (rounded up, at least 1) under a megabyte, else megabytes with one decimal."""
    size = max(int(size or 0), 0)
    if size < MEGABYTE:
        return _("%(size)s KB", size=format_decimal(max(1, math.ceil(size / KILOBYTE))))
    return _("%(size)s MB", size=format_decimal(round(size / MEGABYTE, 1), format="#,##0.#"))
