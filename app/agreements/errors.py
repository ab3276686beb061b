"""Errors of the agreement rules, and the role check they share."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import statemachine
from app.accounts.models import Role, User
from app.agreements import cms

SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
OFFICERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})


class AgreementError(Exception):
    pass


class IllegalTransition(AgreementError, statemachine.IllegalTransition):
    message = _l("This action is not possible in the agreement's current state.")


class NotAllowed(AgreementError):
    """The actor's role or relation to the association does not allow this."""


class AuthorityNotVerified(AgreementError):
    pass


class OpenAgreementExists(AgreementError):
    pass


class WrongPassword(AgreementError):
    pass


class ReasonRequired(AgreementError):
    pass


class SignatureRejected(AgreementError):
    def __init__(self, problem: cms.CmsProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class SignatureNeedsAcceptance(AgreementError):
    """An untrusted CMS signature must be accepted by an officer before countersigning."""


class BadUpload(AgreementError):
    def __init__(self, problem: str) -> None:  # "type" | "size" | "empty"
        super().__init__(problem)
        self.problem = problem


class NotFound(AgreementError):
    pass


def require_role(actor: User, roles: frozenset[Role]) -> None:
    if Role(actor.role) not in roles:
        raise NotAllowed(actor.role)
