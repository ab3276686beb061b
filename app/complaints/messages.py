"""Translated wording of complaint problems, for views and templates."""

from __future__ import annotations

from flask_babel import gettext as _

from app.complaints import casework, services, workflow


def evidence_problem(error: services.EvidenceRejected) -> str:
    return {
        "type": _("%(name)s: this type of file is not accepted.", name=error.name),
        "size": _("%(name)s: the file is larger than 25 MB.", name=error.name),
        "total_size": _("%(name)s: all files together are larger than 100 MB.", name=error.name),
        "empty": _("%(name)s: the file is empty.", name=error.name),
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


def casework_problem(error: Exception) -> str:
    if isinstance(error, workflow.IllegalTransition):
        return _("This action is not possible in the complaint's current state.")
    if isinstance(error, workflow.NotPermitted):
        return _("You are not allowed to do this on this complaint.")
    if isinstance(error, casework.ReasonRequired | services.InvalidFiling):
        return _("Fill in the text.")
    if isinstance(error, casework.AppealNotAllowed):
        return (_("The decision has already been appealed once.") if error.problem == "already"
                else _("The period for an appeal has passed or is still open, so this is not possible now."))
    if isinstance(error, casework.ExtensionNotAllowed):
        return {
            "already": _("The period has already been extended once."),
            "beyond_limit": _("The period may be extended to at most two months from registration."),
            "not_later": _("The new date must be later than the current due date."),
        }[error.problem]
    if isinstance(error, casework.UnknownOfficer):
        return _("Choose an active officer.")
    if isinstance(error, services.EvidenceRejected):
        return evidence_problem(error)
    return _("The action could not be completed.")
