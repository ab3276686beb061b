"""Reference data: the districts of Turkistan region and the economic sectors.

Codes are stored in the database; names are shown through the translation catalogs.
Districts follow the administrative division of Turkistan region (2024): the regional
centre, the cities of regional significance, and the districts.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DISTRICTS: dict[str, object] = {
    "turkistan": _l("Turkistan city"),
    "arys": _l("Arys city"),
    "kentau": _l("Kentau city"),
    "baidibek": _l("Baidibek district"),
    "zhetisai": _l("Zhetisai district"),
    "kazygurt": _l("Kazygurt district"),
    "keles": _l("Keles district"),
    "maktaaral": _l("Maktaaral district"),
    "ordabasy": _l("Ordabasy district"),
    "otyrar": _l("Otyrar district"),
    "saryagash": _l("Saryagash district"),
    "sauran": _l("Sauran district"),
    "sairam": _l("Sairam district"),
    "sozak": _l("Sozak district"),
    "tolebi": _l("Tolebi district"),
    "tulkibas": _l("Tulkibas district"),
    "shardara": _l("Shardara district"),
}

SECTORS: dict[str, object] = {
    "agriculture": _l("Agriculture"),
    "trade": _l("Trade"),
    "construction": _l("Construction"),
    "manufacturing": _l("Manufacturing"),
    "transport": _l("Transport and logistics"),
    "tourism": _l("Tourism and hospitality"),
    "services": _l("Services"),
    "it": _l("Information technology"),
    "healthcare": _l("Healthcare"),
    "education": _l("Education"),
    "energy": _l("Energy and utilities"),
    "other": _l("Other"),
}


def district_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in DISTRICTS.items()]


def sector_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in SECTORS.items()]


def district_name(code: str) -> str:
    return str(DISTRICTS.get(code, code))


def sector_name(code: str) -> str:
    return str(SECTORS.get(code, code))
