"""The admin's form for a new API token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import NumberRange

from app.api import tokens
from app.businesses.forms import MultiCheckboxField
from app.formkit import choices, max_length, required, strip


class TokenForm(FlaskForm):
    name = StringField(_l("Name of the system"), [required(), max_length(tokens.NAME_LENGTH)], filters=[strip],
                       description=_l("Who will use it, e.g. “Akimat case monitoring”."))
    scopes = MultiCheckboxField(_l("What it may read"), [required()],
                                choices=lambda: choices(list(tokens.SCOPES.items())))
    days = IntegerField(_l("Valid for (days)"), [required(), NumberRange(
        min=1, max=tokens.MAX_DAYS, message=_l("Enter a number from 1 to %(days)s.", days=tokens.MAX_DAYS))],
        default=tokens.DEFAULT_DAYS)
