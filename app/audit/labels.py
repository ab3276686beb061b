"""The audit log's codes in the reader's language: actions, object types, transitions.

One table per kind of code; a code missing from a table (a new action, an old entry) is
shown as it is stored, so nothing recorded is ever hidden behind a label.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.agreements import messages as agreement_words
from app.complaints import reference

ACTIONS = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Failed sign-in"),
    "auth.forbidden": _l("Access refused"),
    "auth.step_up": _l("Identity confirmed again"),
    "auth.step_up_failed": _l("Identity not confirmed"),
    "auth.two_factor_enrolled": _l("Two-factor sign-in set up"),
    "auth.two_factor_enrolment_failed": _l("Two-factor set-up failed"),
    "auth.two_factor_passed": _l("Sign-in code accepted"),
    "auth.two_factor_failed": _l("Sign-in code refused"),
    "auth.two_factor_reset": _l("Two-factor sign-in reset"),
    "auth.recovery_code_used": _l("Recovery code used"),
    "auth.recovery_codes_renewed": _l("Recovery codes renewed"),
    "auth.password_reset_requested": _l("Password reset requested"),
    "auth.password_reset": _l("Password reset"),
    "user.email_verified": _l("E-mail address confirmed"),
    "complaint.filed": _l("Complaint filed"),
    "complaint.transition": _l("Complaint status changed"),
    "complaint.note": _l("Internal note added"),
    "complaint.message": _l("Message sent"),
    "complaint.read": _l("Complainant's details viewed"),
    "complaint.search": _l("Complaints searched"),
    "evidence.read": _l("Evidence file opened"),
    "complaint.patterns": _l("Recurring bodies and officials viewed"),
    "evidence.purged": _l("Evidence files deleted after the retention period"),
    "document.reserved": _l("Document number reserved"),
    "document.issued": _l("Document signed and issued"),
    "agreement.transition": _l("Agreement status changed"),
    "agreement.authority_decision": _l("Authority of a representative decided"),
    "agreement.proof_read": _l("Document confirming authority opened"),
    "agreement.nca_signature_verified": _l("Association's NCA RK signature verified"),
    "agreement.nca_signature_refused": _l("Association's NCA RK signature refused"),
    "business.number_taken": _l("Registration number already in use"),
    "trust.anchor_added": _l("Trusted certificate added"),
    "trust.anchor_removed": _l("Trusted certificate removed"),
    "trust.crl_imported": _l("Revocation list imported"),
    "keys.signing_key_imported": _l("Department's NCA RK signing key installed"),
    "backup.created": _l("Backup created"),
    "backup.restored": _l("Backup restored"),
    "export.complaints": _l("Complaints exported"),
    "export.audit": _l("Audit log exported"),
    "export.statistics": _l("Statistics exported"),
    "report.issued": _l("Monthly report issued"),
    "report.downloaded": _l("Monthly report downloaded"),
    "api.token_created": _l("API token created"),
    "api.token_revoked": _l("API token revoked"),
    "api.token_use": _l("API called with a token"),
    "api.token_refused": _l("API token refused"),
}

# The filter's groups: a prefix matches every action that starts with it.
GROUPS = (
    ("auth.", _l("Sign-in and access")),
    ("user.", _l("User accounts")),
    ("complaint.", _l("Complaints")),
    ("evidence.", _l("Evidence")),
    ("document.", _l("Documents")),
    ("agreement.", _l("Agreements")),
    ("business.", _l("Businesses")),
    ("trust.", _l("Trusted certifying centres")),
    ("keys.", _l("Department's signing keys")),
    ("backup.", _l("Backups")),
    ("export.", _l("Exports")),
    ("report.", _l("Monthly reports")),
    ("api.", _l("API")),
)

SUBJECT_TYPES = {
    "complaint": _l("Complaint"),
    "agreement": _l("Agreement"),
    "association": _l("Association"),
    "business": _l("Business"),
    "authority_proof": _l("Document confirming authority"),
    "trust_anchor": _l("Trusted certificate"),
    "revocation_list": _l("Revocation list"),
    "certificate": _l("Certificate"),
    "user": _l("User account"),
    "monthly_report": _l("Monthly report"),
    "api_token": _l("API token"),
}

DETAIL_KEYS = {
    "document": _l("Document"),
    "kind": _l("Kind"),
    "reason": _l("Reason"),
    "number": _l("Number"),
    "email": _l("E-mail address"),
    "confidential": _l("Confidential"),
    "decision": _l("Decision"),
    "format": _l("File format"),
    "filters": _l("Filters"),
    "month": _l("Month"),
    "reissue": _l("Reissued"),
}

TRANSITION_KEYS = ("action", "from", "to")


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


def subject_type_label(code: str | None) -> str:
    return str(SUBJECT_TYPES.get(code, code or ""))


def detail_key_label(key: str) -> str:
    return str(DETAIL_KEYS.get(key, key))


def _status_label(subject_type: str | None, status: str | None) -> str:
    if not status:
        return "—"
    if subject_type == "agreement":
        return agreement_words.status_label(status)
    return reference.label(reference.STATUSES, status)


def _step_label(subject_type: str | None, step: str) -> str:
    if subject_type == "agreement":
        return agreement_words.action_label(step)
    return reference.label(reference.ACTIONS, step)


def transition(subject_type: str | None, details: dict) -> dict | None:
    """``{"step": …, "source": …, "target": …}`` in words for a transition entry, else None."""
    if "to" not in details:
        return None
    step = details.get("action")
    return {"step": _step_label(subject_type, step) if isinstance(step, str) else None,
            "source": _status_label(subject_type, details.get("from")),
            "target": _status_label(subject_type, details.get("to"))}


def action_choices() -> list:
    """The action filter's choices: all, then each group (its prefix, then its known actions)."""
    choices: list = [("", _l("All actions"))]
    for prefix, group in GROUPS:
        members = sorted(((code, str(label)) for code, label in ACTIONS.items() if code.startswith(prefix)),
                         key=lambda pair: pair[1])
        choices.append((prefix, _l("%(group)s: all", group=group)))
        choices.extend((code, f"{group}: {label}") for code, label in members)
    return choices


def subject_type_choices() -> list:
    return [("", _l("All types")),
            *sorted(((code, str(label)) for code, label in SUBJECT_TYPES.items()), key=lambda pair: pair[1])]
