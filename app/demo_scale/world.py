"""The synthetic world's people, businesses, bodies and officials (pure; used by :mod:`.generate`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from app.businesses.identifiers import compute_check_digit
from app.complaints.search import fold
from app.demo_scale import vocabulary as v
from app.demo_scale.rows import (
    between,
    one,
)

# --- the world: people, businesses, bodies, officials, associations ---------------------------

@dataclass(frozen=True)
class Body:
    name: str
    category: str
    district: str | None  # None: a regional body
    fold: str
    russian: bool


@dataclass(frozen=True)
class Official:
    name: str
    position: str
    body: Body
    fold_name: str
    fold_position: str


@dataclass(frozen=True)
class Owner:
    id: int
    email: str
    locale: str


@dataclass(frozen=True)
class Firm:
    id: int
    number: str
    name: str
    district: str
    owner: Owner
    fold: str  # folded name and number


@dataclass(frozen=True)
class Cover:
    association_id: int
    start_us: int
    end_us: int  # exclusive


def make_bodies(rng: random.Random) -> list[Body]:
    bodies = []
    for category, templates in v.DISTRICT_BODIES.items():
        for code, (kk, ru_gen, ru_dat, _settlement) in v.DISTRICTS.items():
            for template_kk, template_ru in templates:
                russian = rng.random() >= 0.62
                name = template_ru.format(r=ru_gen, d=ru_dat) if russian else template_kk.format(g=kk + "ның", k=kk)
                bodies.append(Body(name, category, code, fold(name), russian))
    for category, names in v.REGIONAL_BODIES.items():
        for name_kk, name_ru in names:
            russian = rng.random() >= 0.62
            name = name_ru if russian else name_kk
            bodies.append(Body(name, category, None, fold(name), russian))
    return bodies


def official_position(rng: random.Random, body: Body) -> str:
    kk, ru = v.POSITIONS.get(body.category, v.POSITIONS["default"])
    return one(rng, ru if body.russian else kk)


def valid_bin(rng: random.Random, taken: set[str]) -> str:
    while True:
        first11 = (f"{between(rng, 0, 24):02d}{between(rng, 1, 12):02d}4{one(rng, '0003')}"
                   f"{between(rng, 0, 99999):05d}")
        digit = compute_check_digit(first11)
        if digit is not None and first11 + str(digit) not in taken:
            number = first11 + str(digit)
            taken.add(number)
            return number


def valid_iin(rng: random.Random, taken: set[str], female: bool) -> str:
    while True:
        year = between(rng, 1955, 2003)
        born = date(year, 1, 1) + timedelta(days=between(rng, 0, 364))
        century = ("4" if female else "3") if year < 2000 else ("6" if female else "5")
        first11 = f"{born:%y%m%d}{century}{between(rng, 0, 9999):04d}"
        digit = compute_check_digit(first11)
        if digit is not None and first11 + str(digit) not in taken:
            number = first11 + str(digit)
            taken.add(number)
            return number


_OPERATORS = ("01", "02", "05", "07", "08", "47", "71", "75", "76", "77")


def phone(rng: random.Random) -> str:
    return f"+77{_OPERATORS[rng.getrandbits(32) % 10]}{rng.getrandbits(32) % 10_000_000:07d}"
