"""Names of pressure types, state-body categories, statuses and outcomes.

Shown through the translation catalogs; documents print the Kazakh and the Russian name
side by side (:func:`bilingual`).
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

PRESSURE_TYPES = {
    "unscheduled_inspection": _l("Unscheduled inspection"),
    "bribe_extortion": _l("Bribe extortion"),
    "permit_obstruction": _l("Obstruction of permits or licences"),
    "seizure": _l("Seizure or detention of property or goods"),
    "raider_takeover": _l("Raider takeover"),
    "criminal_prosecution": _l("Unlawful criminal prosecution"),
    "procurement_interference": _l("Interference in public procurement"),
    "other": _l("Other pressure"),
}

BODY_CATEGORIES = {
    "local_executive": _l("Local executive body (akimat)"),
    "state_revenue": _l("State revenue (tax, customs)"),
    "police": _l("Police"),
    "prosecution": _l("Prosecutor's office"),
    "sanitary": _l("Sanitary and epidemiological control"),
    "emergency": _l("Emergency situations (fire safety)"),
    "land_relations": _l("Land relations and land control"),
    "ecology": _l("Ecology"),
    "enforcement": _l("Enforcement of judgments"),
    "licensing": _l("Licensing and permits"),
    "quasi_public": _l("State-owned company or utility"),
    "other": _l("Other state body"),
}

STATUSES = {
    "registered": _l("Registered"),
    "assigned": _l("Assigned to an officer"),
    "in_review": _l("Under consideration"),
    "info_requested": _l("Information requested from you"),
    "forwarded": _l("Forwarded to the competent body"),
    "resolved": _l("Decision made"),
    "rejected": _l("Rejected as inadmissible"),
    "appealed": _l("Appealed"),
    "closed": _l("Closed"),
}

OUTCOMES = {
    "confirmed": _l("The facts were confirmed"),
    "partially_confirmed": _l("The facts were partially confirmed"),
    "not_confirmed": _l("The facts were not confirmed"),
}

ACTIONS = {
    "file": _l("Complaint filed and registered"),
    "take": _l("An officer took the case"),
    "assign": _l("Assigned to an officer"),
    "start_review": _l("Consideration started"),
    "request_info": _l("Information requested"),
    "provide_info": _l("Information provided"),
    "forward": _l("Forwarded to the competent body"),
    "resolve": _l("Decision made"),
    "reject": _l("Rejected as inadmissible"),
    "close": _l("Case closed"),
    "appeal": _l("Decision appealed"),
    "review_appeal": _l("Appeal taken up by a supervisor"),
    "extend": _l("Consideration period extended"),
}


def label(table: dict, code: str | None) -> str:
    return str(table.get(code, code or ""))


def bilingual(table: dict, code: str) -> tuple[str, str]:
    """The Kazakh and the Russian name, whatever the reader's language."""
    names = []
    for locale in ("kk", "ru"):
        with force_locale(locale):
            names.append(label(table, code))
    return names[0], names[1]
