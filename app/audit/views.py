"""The audit log page for supervisors and administrators, and the chain check."""

from __future__ import annotations

import re

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional, Regexp

from app.accounts.guards import roles
from app.accounts.models import Role
from app.audit import queries, services
from app.formkit import max_length, strip

bp = Blueprint("audit", __name__, url_prefix="/staff")

AUDITORS = (Role.SUPERVISOR, Role.ADMIN)
PER_PAGE = 50
_ACTION = re.compile(r"^[a-z0-9_.]*$")
FILTERS = ("action", "actor", "subject_type", "subject_id", "since", "until")


class AuditFilterForm(FlaskForm):
    """GET filters; any action prefix is accepted, the known ones are offered."""

    class Meta:
        csrf = False

    action = SelectField(
        _l("Action"), validate_choice=False, filters=[strip],
        validators=[Optional(), max_length(64),
                    Regexp(_ACTION, message=_l("Use lower-case letters, digits, dots and underscores."))],
    )
    actor = StringField(_l("User (e-mail address or part of it)"), [Optional(), max_length(254)], filters=[strip])
    subject_type = StringField(_l("Subject type"), [Optional(), max_length(64)], filters=[strip])
    subject_id = StringField(_l("Subject number"), [Optional(), max_length(64)], filters=[strip])
    since = DateField(_l("From (date)"), [Optional()])
    until = DateField(_l("To (date, inclusive)"), [Optional()])

    def __init__(self, formdata):
        super().__init__(formdata)
        self.action.choices = [("", _l("All actions")), *services.ACTION_PREFIXES]
        current = self.action.data
        if current and current not in {value for value, _label in self.action.choices}:
            self.action.choices.append((current, current))

    def criteria(self) -> dict:
        """The valid filters, ready for :func:`queries.search` (invalid ones are ignored)."""
        self.validate()
        return {name: getattr(self, name).data or None for name in FILTERS if not getattr(self, name).errors}


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


def _render(report: services.ChainReport | None):
    form = AuditFilterForm(request.args)
    criteria = form.criteria()
    # The page links carry the newest id seen on the first page, so that entries
    # appended while someone pages through do not push rows onto the next page.
    upto = request.args.get("upto", type=int)
    if upto is None:
        head = services.head_state()
        upto = head[0] if head else 0
    result = queries.search(**criteria, upto=upto, page=_page_number(), per_page=PER_PAGE)
    link_args = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    link_args["upto"] = upto
    return render_template("audit/log.html", form=form, result=result, report=report, link_args=link_args)


@bp.route("/audit")
@roles(*AUDITORS)
def log():
    return _render(report=None)


@bp.route("/audit/verify")
@roles(*AUDITORS)
def verify():
    """Verify the whole chain (slow on a big log; run on request, not on every page view)."""
    return _render(report=services.verify_chain())
