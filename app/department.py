"""The department's contacts, from configuration: shown on the contacts page, in the footer, on the talon.

Settings (``instance/config.py`` or the environment):

- ``PBI_DEPARTMENT_ADDRESS_KK`` / ``_RU`` / ``_EN``: the postal address in each language;
- ``PBI_DEPARTMENT_HOURS_KK`` / ``_RU`` / ``_EN``: reception hours in each language;
- ``PBI_DEPARTMENT_PHONE``: the reception phone; ``PBI_DEPARTMENT_EMAIL``: the e-mail;
- ``PBI_DEPARTMENT_HOTLINE``: the Agency's free call centre (1424 by default).

The defaults (app.config.DefaultConfig) name the region's city and the civil service's working day (09:00–18:30,
break 13:00–14:30, Monday to Friday); a deployment sets its real street address, phone
and e-mail. A value left empty is not shown. A language without its own value falls back
to Kazakh, then Russian.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class Contacts:
    address: str
    hours: str
    phone: str
    email: str
    hotline: str


def _localized(key: str, language: str) -> str:
    config = current_app.config
    for code in (language, "kk", "ru"):
        value = config.get(f"{key}_{code.upper()}")
        if value:
            return value
    return ""


def contacts(language: str) -> Contacts:
    """The contacts in ``language`` (kk, ru or en)."""
    config = current_app.config
    return Contacts(
        address=_localized("PBI_DEPARTMENT_ADDRESS", language),
        hours=_localized("PBI_DEPARTMENT_HOURS", language),
        phone=config.get("PBI_DEPARTMENT_PHONE", ""),
        email=config.get("PBI_DEPARTMENT_EMAIL", ""),
        hotline=config.get("PBI_DEPARTMENT_HOTLINE", ""),
    )
