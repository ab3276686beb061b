"""Validation of Kazakhstan identification numbers: BIN (businesses) and IIN (individuals).

Both are 12 ASCII digits: 11 data digits followed by one check digit.

Checksum: s = sum(d_i * i for i in 1..11) mod 11.  If s is 10, the sum is recomputed
with weights 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2; if that is 10 as well, no check digit
exists and the number is invalid.  Otherwise s must equal digit 12.

Limitation: the checksum does NOT catch every single-digit error.  In the first
weighting position 11 has weight 11, which is 0 mod 11, so whenever the first
weighting decides, digit 11 has no influence on the check digit at all.  Likewise a
typo that moves the first sum to 10 hands the decision to the second weighting, which
may happen to produce the old check digit.  The structure rules catch only some of
these cases.
"""

import datetime
import enum
import re

_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# A str pattern's [0-9] matches only ASCII digits, unlike \d or str.isdigit().
_ELEVEN_DIGITS = re.compile(r"[0-9]{11}")
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_ALL_ZERO = "0" * 12

# BIN 5th digit: 4 resident legal entity, 5 non-resident legal entity,
# 6 joint individual entrepreneurship.
_BIN_TYPES = frozenset("456")
# BIN 6th digit: 0 head office, 1 branch, 2 representative office, 3 peasant/farm enterprise.
_BIN_KINDS = frozenset("0123")
# IIN 7th digit -> first year of the birth century (odd digits male, even female).
_IIN_CENTURY_START = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}


class IdentifierProblem(enum.Enum):
    """Why an identifier was refused; the values are short, stable codes."""

    FORMAT = "format"  # not 12 ASCII digits after normalisation
    ZERO = "zero"  # all zeros
    CHECKSUM = "checksum"  # wrong check digit, or no check digit possible
    STRUCTURE = "structure"  # month/type/kind/date/century rules broken


class InvalidIdentifier(ValueError):
    """Raised when a BIN or IIN is refused; ``problem`` tells why, ``detail`` explains."""

    problem: IdentifierProblem
    detail: str

    def __init__(self, problem: IdentifierProblem, detail: str = "") -> None:
        self.problem = problem
        self.detail = detail
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)


def normalize(value: str) -> str:
    """Strip surrounding whitespace and remove inner spaces and hyphens.

    Nothing is validated: the result may still be malformed.
    """
    return value.strip().replace(" ", "").replace("-", "")


def _weighted_sum_mod11(digits: str, weights: tuple[int, ...]) -> int:
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    return total % 11


def compute_check_digit(first11: str) -> int | None:
    """Return the check digit for 11 ASCII digits, or None when both weightings give 10.

    Raises ValueError if ``first11`` is not a string of exactly 11 ASCII digits.
    """
    if not isinstance(first11, str) or not _ELEVEN_DIGITS.fullmatch(first11):
        raise ValueError("expected exactly 11 ASCII digits")
    check = _weighted_sum_mod11(first11, _WEIGHTS_FIRST)
    if check == 10:
        check = _weighted_sum_mod11(first11, _WEIGHTS_SECOND)
    return None if check == 10 else check


def _check_common(value: object) -> str:
    """Run the FORMAT, ZERO and CHECKSUM checks shared by BIN and IIN, in that order."""
    if not isinstance(value, str):
        raise InvalidIdentifier(
            IdentifierProblem.FORMAT, f"expected str, got {type(value).__name__}"
        )
    number = normalize(value)
    if not _TWELVE_DIGITS.fullmatch(number):
        raise InvalidIdentifier(IdentifierProblem.FORMAT, "expected exactly 12 digits")
    if number == _ALL_ZERO:
        raise InvalidIdentifier(IdentifierProblem.ZERO, "all digits are zero")
    check = compute_check_digit(number[:11])
    if check is None:
        raise InvalidIdentifier(IdentifierProblem.CHECKSUM, "no check digit exists")
    if check != int(number[11]):
        raise InvalidIdentifier(IdentifierProblem.CHECKSUM, "check digit mismatch")
    return number


def validate_bin(value: str) -> str:
    """Return the normalised 12-digit BIN, or raise InvalidIdentifier.

    Structure: YY, MM (01-12), type digit (4, 5 or 6), kind digit (0-3), 5-digit serial,
    check digit.
    """
    number = _check_common(value)
    if not 1 <= int(number[2:4]) <= 12:
        raise InvalidIdentifier(IdentifierProblem.STRUCTURE, "month must be 01-12")
    if number[4] not in _BIN_TYPES:
        raise InvalidIdentifier(IdentifierProblem.STRUCTURE, "type digit must be 4-6")
    if number[5] not in _BIN_KINDS:
        raise InvalidIdentifier(IdentifierProblem.STRUCTURE, "kind digit must be 0-3")
    return number


def validate_iin(value: str) -> str:
    """Return the normalised 12-digit IIN, or raise InvalidIdentifier.

    Structure: YYMMDD birth date (a real calendar date in the century given by the 7th
    digit), century/sex digit (1-6), 4-digit serial, check digit.  Dates in the future
    are not refused.
    """
    number = _check_common(value)
    century_start = _IIN_CENTURY_START.get(number[6])
    if century_start is None:
        raise InvalidIdentifier(IdentifierProblem.STRUCTURE, "century digit not 1-6")
    year = century_start + int(number[:2])
    try:
        datetime.date(year, int(number[2:4]), int(number[4:6]))
    except ValueError:
        raise InvalidIdentifier(IdentifierProblem.STRUCTURE, "no such date") from None
    return number


def is_valid_bin(value: str) -> bool:
    """Return True if ``value`` is a valid BIN (after normalisation), else False."""
    try:
        validate_bin(value)
    except InvalidIdentifier:
        return False
    return True


def is_valid_iin(value: str) -> bool:
    """Return True if ``value`` is a valid IIN (after normalisation), else False."""
    try:
        validate_iin(value)
    except InvalidIdentifier:
        return False
    return True
