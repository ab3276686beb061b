"""The audit log in the reader's language: actions, object types and transitions in words,
unknown codes as stored, filters as choices, long values that wrap."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from app.accounts.models import Role
from app.audit import labels
from app.audit.services import record
from app.extensions import db

WORDS = {
    "en": ("Complaint status changed", "Complaint", "Under consideration", "Decision made", "Evidence file opened"),
    "kk": ("Шағым мәртебесі өзгертілді", "Шағым", "Қаралуда", "Шешім қабылданды", "Дәлелдеме файлы ашылды"),
    "ru": ("Изменен статус жалобы", "Жалоба", "На рассмотрении", "Решение принято", "Открыт файл доказательства"),
}
HASH = "9f" * 32


@pytest.fixture
def entries(app):
    with app.app_context():
        at = datetime(2026, 3, 1, 4, 5)
        record("complaint.transition", actor_id=1, actor_label="officer1@demo.pbi.kz", subject_type="complaint",
               subject_id="PBI-C-2026-000042", details={"action": "resolve", "from": "in_review", "to": "resolved"},
               at=at)
        record("evidence.read", actor_id=1, actor_label="officer1@demo.pbi.kz", subject_type="complaint",
               subject_id="PBI-C-2026-000042", details={"sha256": HASH}, at=at)
        record("agreement.transition", actor_id=1, actor_label="supervisor1@demo.pbi.kz", subject_type="agreement",
               subject_id="PBI-A-2026-0001",
               details={"action": "countersign", "from": "signed_by_association", "to": "active"}, at=at)
        record("custom.future_event", actor_id=1, actor_label="officer1@demo.pbi.kz", subject_type="gadget",
               subject_id="7", details={}, at=at)
        db.session.commit()


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_actions_types_and_transitions_are_in_the_readers_language(client, signed_in, entries, lang):
    signed_in(Role.SUPERVISOR)
    html = client.get(f"/staff/audit?lang={lang}").get_data(as_text=True)
    action, subject_type, source, target, read = WORDS[lang]
    assert f'<td data-action="complaint.transition">{action}</td>' in html
    assert f"{subject_type} PBI-C-2026-000042" in html
    assert f"{source} → {target}" in html
    assert read in html
    # The codes themselves are not what the reader sees for known entries.
    assert "<code>complaint.transition</code>" not in html and ">in_review<" not in html
    # Unknown codes are shown as stored.
    assert '<td data-action="custom.future_event"><code>custom.future_event</code></td>' in html
    assert "gadget 7" in html


def test_an_agreement_transition_uses_the_agreement_words(client, signed_in, entries):
    signed_in(Role.ADMIN)
    html = client.get("/staff/audit?lang=en").get_data(as_text=True)
    assert "Agreement PBI-A-2026-0001" in html
    assert ("Countersigned by the department: Signed by the association, awaiting countersignature → In force"
            in html)
    kk = client.get("/staff/audit?lang=kk").get_data(as_text=True)
    assert "Департамент қол қойды: Қауымдастық қол қойды, департаменттің қол қоюы күтілуде → Қолданыста" in kk


def test_filters_are_choices_of_the_known_actions_and_types(client, signed_in, entries):
    signed_in(Role.ADMIN)
    html = client.get("/staff/audit?lang=en").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="action"', html) and re.search(r'<select[^>]*id="subject_type"', html)
    assert '<input id="subject_type"' not in html
    assert '<option value="complaint.">Complaints: all</option>' in html
    assert '<option value="evidence.read">Evidence: Evidence file opened</option>' in html
    assert '<option value="authority_proof">Document confirming authority</option>' in html
    for code in labels.ACTIONS:
        assert f'<option value="{code}">' in html, code
    for code in labels.SUBJECT_TYPES:
        assert f'<option value="{code}">' in html, code

    chosen = client.get("/staff/audit?lang=en&action=evidence.read&subject_type=complaint").get_data(as_text=True)
    assert '<option selected value="evidence.read">' in chosen and '<option selected value="complaint">' in chosen
    assert "Evidence file opened</td>" in chosen and "Complaint status changed</td>" not in chosen
    # An older link with a type not in the list still filters, and is offered as typed.
    old = client.get("/staff/audit?lang=en&subject_type=gadget").get_data(as_text=True)
    assert '<option selected value="gadget">gadget</option>' in old
    assert "custom.future_event" in old and "Evidence file opened</td>" not in old


def test_a_long_hash_wraps_inside_its_cell(client, signed_in, entries):
    signed_in(Role.SUPERVISOR)
    html = client.get("/staff/audit?lang=en").get_data(as_text=True)
    assert f'<span class="hash-like">{HASH}</span>' in html
    assert '<div class="table-scroll" role="region" tabindex="0"' in html
    css = client.get("/static/css/site.css").get_data(as_text=True)
    assert re.search(r"\.hash-like[^{]*\{[^}]*overflow-wrap:\s*anywhere", css)
    assert re.search(r"\.table-scroll\s*\{[^}]*overflow-x:\s*auto", css)


def test_every_known_action_has_a_label_different_from_its_code(app):
    with app.test_request_context("/"):  # Kazakh, the default language
        for code in labels.ACTIONS:
            assert labels.action_label(code) != code
        assert labels.action_label("brand.new") == "brand.new"
        assert labels.subject_type_label("user") == "Есептік жазба"
        assert labels.subject_type_label(None) == ""
