"""How a refused complaint action is told to the user: its wording (kk/ru/en) and the field it is about.

:func:`problem_of` words any refusal of an action (workflow, case actions, filing, evidence);
:func:`place` puts it next to the field it concerns, else among the form's own errors.
"""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms import Form

from app.complaints import case_actions, services, workflow


def evidence_problem(error: services.EvidenceRejected) -> str:
    return {
        "type": _("%(name)s: this type of file is not accepted.", name=error.name),
        "size": _("%(name)s: the file is larger than 25 MB.", name=error.name),
        "total_size": _("%(name)s: all files together are larger than 100 MB.", name=error.name),
        "empty": _("%(name)s: the file is empty.", name=error.name),
        "external": _("%(name)s: the document loads content from the Internet when opened (a template, object "
                      "or image); save it without external links and attach it again.", name=error.name),
    }.get(error.problem, _("%(name)s: the file could not be accepted.", name=error.name))


def filing_problem(error: services.InvalidFiling) -> str:
    return {
        "consent": _("Your consent is required to consider the complaint."),
        "business_id": _("Choose one of your businesses."),
        "association_id": _("This association cannot carry your complaint."),
        "incident_date": _("The date of the incident cannot be in the future."),
        "amount_demanded": _("Enter a whole amount of zero or more."),
        "incident_district": _("Choose a district of Turkistan region."),
    }.get(error.field, _("Check the form and try again."))


def problem_of(error: Exception) -> str:
    if isinstance(error, workflow.IllegalTransition):
        return _("This action is not possible in the complaint's current state.")
    if isinstance(error, workflow.NotPermitted):
        return _("You are not allowed to do this on this complaint.")
    if isinstance(error, case_actions.ReasonRequired | services.InvalidFiling):
        return _("Fill in the text.")
    if isinstance(error, case_actions.AppealNotAllowed):
        return (_("The decision has already been appealed once.") if error.problem == "already"
                else _("The period for an appeal has passed or is still open, so this is not possible now."))
    if isinstance(error, case_actions.ExtensionNotAllowed):
        return {
            "already": _("The period has already been extended once."),
            "beyond_limit": _("The period may be extended to at most two months from registration."),
            "not_later": _("The new date must be later than the current due date."),
        }[error.problem]
    if isinstance(error, case_actions.UnknownOfficer):
        return _("Choose an active officer.")
    if isinstance(error, services.EvidenceRejected):
        return evidence_problem(error)
    return _("The action could not be completed.")


def _field_of(form: Form, error: Exception):
    names: tuple[str, ...] = ()
    if isinstance(error, case_actions.ReasonRequired | services.InvalidFiling):
        names = ("comment", "body", "body_name")
    elif isinstance(error, case_actions.ExtensionNotAllowed):
        names = ("until",)
    elif isinstance(error, case_actions.UnknownOfficer):
        names = ("officer_id",)
    elif isinstance(error, services.EvidenceRejected):
        names = ("attachment",)
    return next((form[name] for name in names if name in form), None)


def place(form: Form, error: Exception) -> bool:
    """Put ``error``'s wording on its field (True) or among the form's own errors (False)."""
    message = problem_of(error)
    field = _field_of(form, error)
    if field is None:
        form.form_errors.append(message)
        return False
    field.errors = [*field.errors, message]
    return True
