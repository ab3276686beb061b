"""Business and association forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.businesses.reference import district_choices, sector_choices
from app.formkit import choices, identifier, max_length, required, strip


def kind_choices():
    return choices([
        ("legal_entity", _l("Legal entity (BIN)")),
        ("individual", _l("Individual entrepreneur (IIN)")),
    ])


def districts():
    return choices(district_choices())


def sectors():
    return choices(sector_choices())


class BusinessForm(FlaskForm):
    kind = RadioField(_l("Type of business"), [required()], choices=kind_choices,
                      default="legal_entity")
    bin = StringField(_l("BIN"), [Optional(), identifier("bin")], filters=[strip],
                      description=_l("For a legal entity: 12 digits."))
    iin = StringField(_l("IIN"), [Optional(), identifier("iin")], filters=[strip],
                      description=_l("For an individual entrepreneur: 12 digits."))
    name = StringField(_l("Name"), [required(), max_length(300)], filters=[strip])
    address = StringField(_l("Address"), [required(), max_length(500)], filters=[strip])
    district = SelectField(_l("District"), [required()], choices=districts)
    sector = SelectField(_l("Sector"), [required()], choices=sectors)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The number the chosen type needs (both fields are optional on their own).
        if self.kind.data == "legal_entity" and not self.bin.data and not self.bin.errors:
            self.bin.errors.append(_l("Enter the BIN of the legal entity."))
            valid = False
        if self.kind.data == "individual" and not self.iin.data and not self.iin.errors:
            self.iin.errors.append(_l("Enter the IIN of the individual entrepreneur."))
            valid = False
        return valid

    @property
    def number(self) -> str:
        return self.bin.data if self.kind.data == "legal_entity" else self.iin.data

    @property
    def number_field(self):
        return self.bin if self.kind.data == "legal_entity" else self.iin


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssociationForm(FlaskForm):
    bin = StringField(_l("BIN"), [required(), identifier("bin")], filters=[strip])
    name_kk = StringField(_l("Name in Kazakh"), [required(), max_length(300)], filters=[strip])
    name_ru = StringField(_l("Name in Russian"), [required(), max_length(300)], filters=[strip])
    members_count = IntegerField(
        _l("Number of members"),
        [required(), NumberRange(min=1, max=1_000_000, message=_l("Enter a number from 1 to 1,000,000."))],
    )
    sectors = MultiCheckboxField(
        _l("Sectors"), [required()], choices=sectors,
    )
    head_name = StringField(_l("Head's full name"), [required(), max_length(200)], filters=[strip])
    head_position = StringField(_l("Head's position"), [required(), max_length(200)], filters=[strip])
