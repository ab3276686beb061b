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
from wtforms.validators import AnyOf, Length, NumberRange, Optional

from app.businesses.reference import district_choices
from app.complaints.reference import BODY_CATEGORIES, OUTCOMES, PRESSURE_TYPES
from app.formkit import choices, max_length, required, strip
from app.inputs import ID_MAX, date_in_range
from app.uploads import EVIDENCE_KINDS

DESCRIPTION_MIN, DESCRIPTION_MAX = 30, 10000
# What the file picker offers: the kinds the evidence checks accept (app.uploads), by extension and MIME type.
EVIDENCE_ACCEPT = ",".join(sorted({f".{extension}" for _mime, extension in EVIDENCE_KINDS.values()} | {".jpeg"})
                           + sorted({mime for mime, _extension in EVIDENCE_KINDS.values()}))


def _pairs(table: dict) -> list:
    return choices([(code, name) for code, name in table.items()])


def _choose(pairs) -> list:
    """A required select's options behind an empty first one: the user chooses, nothing is preselected."""
    return choices([("", _l("Choose…"))]) + pairs


class ComplaintForm(FlaskForm):
    submission_token = HiddenField()
    business_id = SelectField(_l("Business"), [required()], coerce=int, choices=[])
    association_id = SelectField(
        _l("File through an association (optional)"), [Optional()], choices=[],
        description=_l("Only associations with an agreement in force with the department that you represent."),
    )
    association_may_follow = BooleanField(_l("Let my association follow the status of this complaint"))
    pressure_type = SelectField(_l("Type of pressure"), [required()],
                                choices=lambda: _choose(_pairs(PRESSURE_TYPES)))
    body_category = SelectField(_l("Kind of state body"), [required()],
                                choices=lambda: _choose(_pairs(BODY_CATEGORIES)))
    body_name = StringField(_l("Name of the state body"), [required(), max_length(300)], filters=[strip])
    official_name = StringField(_l("Official's name (optional)"), [Optional(), max_length(200)], filters=[strip])
    official_position = StringField(_l("Official's position (optional)"), [Optional(), max_length(200)],
                                    filters=[strip])
    incident_date = DateField(_l("Date of the incident"), [required(), date_in_range()])
    incident_district = SelectField(_l("Place of the incident (district)"), [required()],
                                    choices=lambda: choices(district_choices()))
    description = TextAreaField(
        _l("What happened"),
        [required(), Length(min=DESCRIPTION_MIN, max=DESCRIPTION_MAX,
                            message=_l("Between 30 and 10,000 characters."))],
        filters=[strip],
        description=_l("Describe the facts: who, what was demanded or done, when and where. "
                       "At least %(min)d and at most %(max)d characters.", min=DESCRIPTION_MIN, max=DESCRIPTION_MAX),
    )
    amount_demanded = IntegerField(
        _l("Amount demanded, tenge (optional)"),
        [Optional(), NumberRange(min=0, max=10**13, message=_l("Enter a whole amount of zero or more."))],
    )
    evidence = MultipleFileField(
        _l("Evidence files (optional)"), render_kw={"accept": EVIDENCE_ACCEPT},
        description=_l("PDF, photos (JPEG, PNG, WebP, HEIC), Word or Excel files, audio (MP3, M4A, OGG, WAV), "
                       "MP4 video; up to 25 MB each and 100 MB in total."),
    )
    keep_identity_confidential = BooleanField(_l("Keep my identity from the body concerned"), default=True)
    consent = BooleanField(_l("I agree to the processing of my personal data to consider this complaint."),
                           [required()])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), [required(), max_length(10000)], filters=[strip])
    attachment = FileField(_l("Attachment (optional)"), render_kw={"accept": EVIDENCE_ACCEPT})


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"), [required(), max_length(10000)], filters=[strip],
                         description=_l("Seen only by department staff."))


class ReasonForm(FlaskForm):
    comment = TextAreaField(_l("Text"), [required(), max_length(10000)], filters=[strip])


class Irreversible:
    """An action that cannot be undone: it is done only once ``confirmed`` comes back "yes".

    The first submission, if valid, is answered by a confirmation page (app.complaints.confirmation)
    that carries the typed values in hidden fields; only its "Confirm" button sends ``confirmed``.
    """

    confirmed = HiddenField()

    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"


class RequestInfoForm(FlaskForm):
    comment = TextAreaField(_l("Question to the complainant"), [required(), max_length(10000)], filters=[strip])


class RejectForm(Irreversible, FlaskForm):
    comment = TextAreaField(_l("Why the complaint is inadmissible"), [required(), max_length(10000)],
                            filters=[strip])


class AppealForm(Irreversible, FlaskForm):
    comment = TextAreaField(_l("Why you disagree"), [required(), max_length(10000)], filters=[strip])


class AnswerForm(FlaskForm):
    comment = TextAreaField(_l("Your answer"), [required(), max_length(10000)], filters=[strip])
    attachment = FileField(_l("Attachment (optional)"), render_kw={"accept": EVIDENCE_ACCEPT})


class ForwardForm(Irreversible, FlaskForm):
    body_name = StringField(_l("Competent body"), [required(), max_length(300)], filters=[strip])
    comment = TextAreaField(_l("Covering note"), [required(), max_length(10000)], filters=[strip])


class ResolveForm(Irreversible, FlaskForm):
    outcome = RadioField(_l("Outcome"), [required(), AnyOf(list(OUTCOMES), message=_l("Choose one of the options."))],
                         choices=lambda: _pairs(OUTCOMES), validate_choice=False)
    comment = TextAreaField(_l("Reasoned answer"), [required(), max_length(20000)], filters=[strip])


def _record_id(value) -> int:
    """A chosen record's id; anything else is 0, which ``required()`` refuses in the user's language."""
    text = str(value or "")
    number = int(text) if text.isascii() and text.isdigit() and len(text) < 12 else 0
    return number if number <= ID_MAX else 0  # beyond every id column (PostgreSQL's integer)


class AssignForm(FlaskForm):
    officer_id = SelectField(_l("Officer"), [required()], coerce=_record_id, choices=[], validate_choice=False)


class ExtendForm(FlaskForm):
    until = DateField(_l("New due date"), [required(), date_in_range()])
    comment = TextAreaField(_l("Reason for the extension"), [required(), max_length(2000)], filters=[strip])
