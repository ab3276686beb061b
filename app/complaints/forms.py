"""Complaint forms: filing, messages, and the officers' decisions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from app.businesses.reference import district_choices
from app.complaints.reference import BODY_CATEGORIES, OUTCOMES, PRESSURE_TYPES
from app.formkit import choices, max_length, required, strip


def _pairs(table: dict) -> list:
    return choices([(code, name) for code, name in table.items()])


class ComplaintForm(FlaskForm):
    submission_token = HiddenField()
    business_id = SelectField(_l("Business"), [required()], coerce=int, choices=[])
    association_id = SelectField(
        _l("File through an association (optional)"), [Optional()], choices=[],
        description=_l("Only associations with an agreement in force with the department that you represent."),
    )
    association_may_follow = BooleanField(_l("Let my association follow the status of this complaint"))
    pressure_type = SelectField(_l("Type of pressure"), [required()], choices=lambda: _pairs(PRESSURE_TYPES))
    body_category = SelectField(_l("Kind of state body"), [required()], choices=lambda: _pairs(BODY_CATEGORIES))
    body_name = StringField(_l("Name of the state body"), [required(), max_length(300)], filters=[strip])
    official_name = StringField(_l("Official's name (optional)"), [Optional(), max_length(200)], filters=[strip])
    official_position = StringField(_l("Official's position (optional)"), [Optional(), max_length(200)],
                                    filters=[strip])
    incident_date = DateField(_l("Date of the incident"), [required()])
    incident_district = SelectField(_l("Place of the incident (district)"), [required()],
                                    choices=lambda: choices(district_choices()))
    description = TextAreaField(
        _l("What happened"),
        [required(), Length(min=30, max=10000, message=_l("Between 30 and 10,000 characters."))],
        filters=[strip],
        description=_l("Describe the facts: who, what was demanded or done, when and where."),
    )
    amount_demanded = IntegerField(
        _l("Amount demanded, tenge (optional)"),
        [Optional(), NumberRange(min=0, max=10**13, message=_l("Enter a whole amount of zero or more."))],
    )
    evidence = MultipleFileField(
        _l("Evidence files (optional)"),
        description=_l("PDF, photos (JPEG, PNG, WebP, HEIC), Word or Excel files, audio (MP3, M4A, OGG, WAV), "
                       "MP4 video; up to 25 MB each and 100 MB in total."),
    )
    keep_identity_confidential = BooleanField(_l("Keep my identity from the body concerned"), default=True)
    consent = BooleanField(_l("I agree to the processing of my personal data to consider this complaint."),
                           [required()])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), [required(), max_length(10000)], filters=[strip])
    attachment = FileField(_l("Attachment (optional)"))


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"), [required(), max_length(10000)], filters=[strip],
                         description=_l("Seen only by department staff."))


class ReasonForm(FlaskForm):
    comment = TextAreaField(_l("Text"), [required(), max_length(10000)], filters=[strip])


class AnswerForm(FlaskForm):
    comment = TextAreaField(_l("Your answer"), [required(), max_length(10000)], filters=[strip])
    attachment = FileField(_l("Attachment (optional)"))


class ForwardForm(FlaskForm):
    body_name = StringField(_l("Competent body"), [required(), max_length(300)], filters=[strip])
    comment = TextAreaField(_l("Covering note"), [required(), max_length(10000)], filters=[strip])


class ResolveForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), [required()], choices=lambda: _pairs(OUTCOMES))
    comment = TextAreaField(_l("Reasoned answer"), [required(), max_length(20000)], filters=[strip])


class AssignForm(FlaskForm):
    officer_id = SelectField(_l("Officer"), [required()], coerce=int, choices=[])


class ExtendForm(FlaskForm):
    until = DateField(_l("New due date"), [required()])
    comment = TextAreaField(_l("Reason for the extension"), [required(), max_length(2000)], filters=[strip])
