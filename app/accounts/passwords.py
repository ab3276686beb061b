"""Password policy (OWASP ASVS 4, V2.1) and argon2id hashing.

Policy: at least 12 characters, at most 128 (longer pass-phrases are allowed, nothing is
truncated), any characters including spaces and emoji, no composition rules, and refused
when it is a common or breached password or such a word padded with digits and
punctuation, or a run of one repeated or consecutive character.
"""

from __future__ import annotations

import enum
import functools
import itertools
import string
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128
_PADDING = string.digits + string.punctuation + " "


class PasswordProblem(enum.Enum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"


class WeakPassword(ValueError):
    def __init__(self, problem: PasswordProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("app.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _is_monotone(text: str) -> bool:
    """A run of one character, or of consecutive characters (abcdef..., 98765...)."""
    if len(set(text)) == 1:
        return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return steps in ({1}, {-1})


def is_common(password: str) -> bool:
    lowered = password.lower()
    if lowered in common_passwords() or _is_monotone(lowered):
        return True
    core = lowered.strip(_PADDING)
    if not core:  # digits and punctuation only: refuse only trivial patterns
        return len(set(lowered)) <= 3
    return core in common_passwords() or _is_monotone(core)


def check_policy(password: str) -> None:
    """Raise :class:`WeakPassword` when ``password`` breaks the policy."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(PasswordProblem.TOO_SHORT)
    if len(password) > MAX_LENGTH:
        raise WeakPassword(PasswordProblem.TOO_LONG)
    if is_common(password):
        raise WeakPassword(PasswordProblem.COMMON)


def make_hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    """argon2id (argon2-cffi's default type) with the configured cost."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
