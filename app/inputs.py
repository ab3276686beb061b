"""Bounded parsing of request numbers and dates: one place for every untrusted number.

Python's integers and dates are wider than what the databases store (64-bit signed
integers; SQLite and PostgreSQL both refuse more) and than what date arithmetic survives
(``date.max + 1 day`` overflows). Every number or date the app reads from a request
therefore goes through this module:

- ``<int:…>`` URL parts: the app-wide ``int`` converter (:class:`BoundedIntConverter`)
  matches only ids in ``0 … ID_MAX``; anything larger is no route at all, a 404. The id
  columns are ``INTEGER``: 32-bit on PostgreSQL (64-bit on SQLite), so ``ID_MAX`` is
  ``2**31 - 1``, the smaller of the two.
- Query-string numbers (``?page=``, ``?officer=``, ``?upto=`` …) and form numbers read
  outside a form class: :func:`query_int` / :func:`form_int`. A value that is not an
  integer is ignored (the default applies, as before); an integer outside the bounds is
  a 400 :class:`InputOutOfRange` whose message, in the user's language, the error page
  shows.
- WTForms date and integer fields: :func:`date_in_range` and :func:`int_in_range`
  validators, so a form shows its usual field message instead of failing later.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter
from wtforms import ValidationError

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
ID_MAX = 2**31 - 1  # the largest value of an id column on every backend (PostgreSQL integer)
# The longest decimal that can still be in range; longer strings are refused unparsed
# (int() of a huge digit string is itself costly).
_MAX_DIGITS = len(str(INT64_MAX))

# Dates people may type into any filter or form: wide enough for every real record,
# narrow enough that a day or a year may be added or subtracted without overflowing.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)


class InputOutOfRange(BadRequest):
    """A 400 whose ``user_message`` (translated) the error page shows."""

    def __init__(self, user_message) -> None:
        super().__init__()
        self.user_message = user_message


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to what an id column can hold on every backend (else: no match, 404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=ID_MAX if max is None else max,
                         signed=signed)


def _parse_int(raw: str | None) -> int | None:
    """``raw`` as an integer, or ``None`` when it is not one (no bound checked yet)."""
    if raw is None:
        return None
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isascii() or not digits.isdigit():
        return None
    if len(digits.lstrip("0")) > _MAX_DIGITS:
        return INT64_MAX + 1  # too long to be in range: refused below without parsing it
    return int(text)


def bounded_int(raw: str | None, default: int | None = None, *, minimum: int = INT64_MIN,
                maximum: int = INT64_MAX) -> int | None:
    """``raw`` as an integer in ``minimum … maximum``; ``default`` when absent or not a number.

    An integer outside the bounds raises :class:`InputOutOfRange` (a 400).
    """
    value = _parse_int(raw)
    if value is None:
        return default
    if not minimum <= value <= maximum:
        raise InputOutOfRange(_l("A number in the request is out of range (%(min)d to %(max)d).",
                                 min=minimum, max=maximum))
    return value


def query_int(name: str, default: int | None = None, *, minimum: int = INT64_MIN,
              maximum: int = INT64_MAX) -> int | None:
    """The query-string parameter ``name`` as a bounded integer (see :func:`bounded_int`)."""
    return bounded_int(request.args.get(name), default, minimum=minimum, maximum=maximum)


def form_int(name: str, default: int | None = None, *, minimum: int = INT64_MIN,
             maximum: int = INT64_MAX) -> int | None:
    """The form field ``name`` as a bounded integer (see :func:`bounded_int`)."""
    return bounded_int(request.form.get(name), default, minimum=minimum, maximum=maximum)


def page_number(name: str = "page") -> int:
    """A page number: 1 when absent or not a number; a 400 beyond ``1 … 1,000,000``."""
    return query_int(name, 1, minimum=0, maximum=1_000_000) or 1


def record_id(name: str) -> int | None:
    """An id in the query string (``?officer=``, ``?upto=``): ``None`` when absent."""
    return query_int(name, None, minimum=0, maximum=ID_MAX)


def date_in_range(minimum: date = MIN_DATE, maximum: date = MAX_DATE):
    """A WTForms validator: the date lies in ``minimum … maximum`` (the field's message otherwise)."""

    def check(form, field) -> None:
        if field.data is not None and not minimum <= field.data <= maximum:
            raise ValidationError(_l("Enter a date from %(min)s to %(max)s.", min=minimum.isoformat(),
                                     max=maximum.isoformat()))

    return check


def int_in_range(minimum: int = 0, maximum: int = INT64_MAX):
    """A WTForms validator for integers stored in 64-bit columns."""

    def check(form, field) -> None:
        if field.data is not None and not minimum <= field.data <= maximum:
            raise ValidationError(_l("Enter a number from %(min)d to %(max)d.", min=minimum, max=maximum))

    return check


def refuse_nul() -> None:
    """No NUL character in any submitted value or file name (``before_request``).

    PostgreSQL cannot store U+0000 in text, and no honest form holds one: a 400 with a
    message in the user's language, the same on both backends, before anything is saved.
    Registered by :func:`init_hooks` after the language and per-view body-limit hooks, so
    a multipart body is parsed here within its view's limit (CSRF would parse it next).
    """
    from flask import request

    values = [*request.args.values(), *request.form.values(),
              *(upload.filename or "" for upload in request.files.values())]
    if any("\x00" in value for value in values):
        raise InputOutOfRange(_l("The text holds a null character (U+0000), which cannot be stored. "
                                 "Remove it and send again."))


def init_app(app: Flask) -> None:
    """Make ``<int:…>`` bounded app-wide (before any route is added)."""
    app.url_map.converters["int"] = BoundedIntConverter


def init_hooks(app: Flask) -> None:
    """Refuse NUL in input: after the language is chosen and the view's body limit is set."""
    app.before_request(refuse_nul)
