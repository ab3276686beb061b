"""The confirmation step of the irreversible actions: decide, reject, forward, countersign, terminate, appeal.

Decision (issue 9): a second page, not a checkbox. A valid first submission of such a form
is answered by a page that says what will happen, repeats what was typed (carried back in
hidden fields, so nothing typed is lost) and — for a decision — previews the decision
letter; only its "Confirm" button sends ``confirmed=yes`` and the action is done. Its
"Change" button (``edit=yes``) goes back to the form with the values still in it. No
JavaScript is needed, and a submission without the confirmation changes nothing. A page
rather than a checkbox because the officer must be able to read the letter before it is
signed, and a page can show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template, request
from markupsafe import Markup

CONFIRMED = "yes"


@dataclass
class Confirmation:
    title: str
    consequence: str  # what will happen, in one or two sentences
    action_url: str  # the same form action: it receives the values again with ``confirmed``
    button: str  # e.g. "Make the decision"
    back_url: str
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value) of what was typed
    preview: Markup | None = None  # e.g. the decision letter's text


def confirmed(form) -> bool:
    return form.confirmed.data == CONFIRMED


def wants_to_edit() -> bool:
    """The "Change" button of the confirmation page: back to the form with the typed values."""
    return request.form.get("edit") == CONFIRMED


def _hidden_values(form) -> list[tuple[str, str]]:
    return [(f.name, "" if f.data is None else str(f.data)) for f in form
            if f.type not in {"CSRFTokenField", "FileField", "MultipleFileField"} and f.name != "confirmed"]


def page(form, confirmation: Confirmation) -> str:
    """The confirmation page of ``form`` (already validated), with its values in hidden fields."""
    return render_template("confirm_action.html", form=form, confirmation=confirmation,
                           hidden=_hidden_values(form), confirmed_value=CONFIRMED)
