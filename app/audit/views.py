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
from app.audit import labels, queries, services
from app.formkit import max_length, strip
from app.inputs import date_in_range, page_number, record_id

bp = Blueprint("audit", __name__, url_prefix="/staff")

AUDITORS = (Role.SUPERVISOR, Role.ADMIN)
PER_PAGE = 50
_ACTION = re.compile(r"^[a-z0-9_.]*$")
FILTERS = ("action", "actor", "subject_type", "subject_id", "since", "until")


class AuditFilterForm(FlaskForm):
    """GET filters; the known actions (by group) and object types are offered as choices.

    Any well-formed action prefix or object type is still accepted (an older link), and is
    then offered as it was typed."""

    class Meta:
        csrf = False

    action = SelectField(
        _l("Action"), validate_choice=False, filters=[strip],
        validators=[Optional(), max_length(64),
                    Regexp(_ACTION, message=_l("Use lower-case letters, digits, dots and underscores."))],
    )
    actor = StringField(_l("User (e-mail address or part of it)"), [Optional(), max_length(254)], filters=[strip])
    subject_type = SelectField(_l("Subject type"), validate_choice=False, filters=[strip],
                               validators=[Optional(), max_length(64)])
    subject_id = StringField(_l("Subject number"), [Optional(), max_length(64)], filters=[strip])
    since = DateField(_l("From (date)"), [Optional(), date_in_range()])
    until = DateField(_l("To (date, inclusive)"), [Optional(), date_in_range()])

    def __init__(self, formdata):
        super().__init__(formdata)
        self.action.choices = labels.action_choices()
        self.subject_type.choices = labels.subject_type_choices()
        for select in (self.action, self.subject_type):
            current = select.data
            if current and current not in {value for value, _label in select.choices}:
                select.choices.append((current, current))

    def criteria(self) -> dict:
        """The valid filters, ready for :func:`queries.search` (invalid ones are ignored)."""
        self.validate()
        return {name: getattr(self, name).data or None for name in FILTERS if not getattr(self, name).errors}


def _page_number() -> int:
    return page_number()


def _render(report: services.ChainReport | None):
    form = AuditFilterForm(request.args)
    criteria = form.criteria()
    # The page links carry the newest id seen on the first page, so that entries
    # appended while someone pages through do not push rows onto the next page.
    upto = record_id("upto")
    if upto is None:
        head = services.head_state()
        upto = head[0] if head else 0
    result = queries.search(**criteria, upto=upto, page=_page_number(), per_page=PER_PAGE)
    link_args = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    link_args["upto"] = upto
    export_args = {name: value for name, value in link_args.items() if name != "upto"}
    return render_template("audit/log.html", form=form, result=result, report=report, link_args=link_args,
                           export_args=export_args, labels=labels)


@bp.route("/audit")
@roles(*AUDITORS)
def log():
    return _render(report=None)


@bp.route("/audit/verify")
@roles(*AUDITORS)
def verify():
    """Verify the whole chain (slow on a big log; run on request, not on every page view)."""
    return _render(report=services.verify_chain())
