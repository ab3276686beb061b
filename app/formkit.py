"""Shared form pieces: validators with translated messages and common field filters."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from app.businesses import identifiers
from app.businesses.identifiers import IdentifierProblem

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def required():
    return DataRequired(message=_l("This field is required."))


def max_length(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


def email_address():
    return Email(message=_l("Enter a valid e-mail address, e.g. name@example.kz."))


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def normalize_phone(value: str) -> str | None:
    """Kazakhstan numbers in E.164 (+7 and 10 digits), from the ways people write them.

    ``8 701 123 45 67``, ``+7 (701) 123-45-67`` and ``7011234567`` all give
    ``+77011234567``. Returns ``None`` when the text is not such a number.
    """
    digits = _PHONE_SEPARATORS.sub("", value or "")
    if digits.startswith("+7"):
        digits = digits[2:]
    elif len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return None
    return "+7" + digits


def kazakh_phone(form, field) -> None:
    normalized = normalize_phone(field.data or "")
    if normalized is None:
        raise ValidationError(_l("Enter a phone number like +7 701 123 45 67."))
    field.data = normalized


def _identifier_messages():
    return {
        IdentifierProblem.FORMAT: _l("Enter exactly 12 digits."),
        IdentifierProblem.ZERO: _l("This number does not exist."),
        IdentifierProblem.CHECKSUM: _l("The number contains a mistake: the check digit does not match."),
        IdentifierProblem.STRUCTURE: _l("This is not a valid number: its date or type digits are wrong."),
    }


def identifier(kind: str):
    """Validator for a BIN (``kind="bin"``) or IIN (``kind="iin"``); normalises the data."""
    check = identifiers.validate_bin if kind == "bin" else identifiers.validate_iin

    def validate(form, field) -> None:
        if not field.data:
            return
        try:
            field.data = check(field.data)
        except identifiers.InvalidIdentifier as exc:
            raise ValidationError(_identifier_messages()[exc.problem]) from exc

    return validate
