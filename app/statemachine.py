"""One small state machine, shared by complaints, agreements and proofs of authority.

A machine is declared once, by its transitions: ``{action: Transition(sources, target)}``
(``target`` None: the action keeps the status, e.g. an assignment or an extension). From
that declaration it derives the flat table ``{(from_status, action): to_status}``, and it
checks the table at import time: every status is reachable from the initial one, and no
action leaves a final status (a table that breaks either rule raises ``ValueError``).

:meth:`StateMachine.fire` is the only place that writes a subject's ``status``: it guards
the move (raising the machine's :class:`IllegalTransition` subclass, whose ``message`` is
the wording for the user), writes the new status and hands a :class:`Move` to the
machine's ``record`` callback, which adds the event row and/or the audit entry of that
kind of subject. Who may perform an action is the caller's rule, not the machine's.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: enum.StrEnum | None  # None: the status stays


@dataclass(frozen=True)
class Move:
    """A transition being made: what the ``record`` callback writes down."""

    subject: Any
    action: str
    actor: Any  # a User, or None for the system (the daily jobs)
    from_status: str
    to_status: str
    comment: str | None


class IllegalTransition(Exception):
    """``action`` is not allowed from ``status``; subclasses set the user's ``message``."""

    message: Any = None  # a lazy translated string, set by each kind of subject

    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"{action} is not possible from {status}")
        self.action, self.status = action, status


class StateMachine:
    def __init__(self, statuses: type[enum.StrEnum], transitions: Mapping[str, Transition], *,
                 initial: enum.StrEnum, final: Iterable[enum.StrEnum], error: type[IllegalTransition],
                 record: Callable[..., Any]) -> None:
        if error.message is None:
            raise ValueError(f"{error.__name__} has no user message")
        self.statuses, self.transitions = statuses, dict(transitions)
        self.initial, self.final = statuses(initial), frozenset(statuses(s) for s in final)
        self.error, self.record = error, record
        self.table: dict[tuple[enum.StrEnum, str], enum.StrEnum] = {
            (statuses(source), action): statuses(rule.target or source)
            for action, rule in self.transitions.items() for source in rule.sources
        }
        self._validate()

    def _validate(self) -> None:
        leaving_final = sorted(f"{s}: {a}" for s, a in self.table if s in self.final)
        if leaving_final:
            raise ValueError(f"actions from a final status: {', '.join(leaving_final)}")
        reached, frontier = {self.initial}, [self.initial]
        while frontier:
            status = frontier.pop()
            for (source, _action), target in self.table.items():
                if source is status and target not in reached:
                    reached.add(target)
                    frontier.append(target)
        unreachable = sorted(s.value for s in self.statuses if s not in reached)
        if unreachable:
            raise ValueError(f"statuses not reachable from {self.initial}: {', '.join(unreachable)}")

    def allowed(self, status: str) -> set[str]:
        """The actions possible from ``status`` (whoever performs them)."""
        current = self.statuses(status)
        return {action for source, action in self.table if source is current}

    def guard(self, status: str, action: str) -> enum.StrEnum:
        """The status ``action`` leads to from ``status``, or the machine's typed error."""
        if action not in self.transitions:
            raise KeyError(action)  # a programming error: no such action at all
        target = self.table.get((self.statuses(status), action))
        if target is None:
            raise self.error(action, status)
        return target

    def fire(self, subject: Any, action: str, *, actor: Any = None, comment: str | None = None,
             **details: Any) -> Any:
        """Guard, write ``subject.status``, and return what ``record`` made of the move."""
        before = self.statuses(subject.status)
        after = self.guard(before, action)
        subject.status = after.value
        return self.record(Move(subject, action, actor, before.value, after.value, comment), **details)
