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


# The fields a representative may change later (the edit forms) are made by these functions, so that the
# registration and edit forms declare them once; the BIN/IIN and the type of business are fixed at registration.
def _business_name():
    return StringField(_l("Name"), [required(), max_length(300)], filters=[strip])


def _business_address():
    return StringField(_l("Address"), [required(), max_length(500)], filters=[strip])


def _district():
    return SelectField(_l("District"), [required()], choices=districts)


def _sector():
    return SelectField(_l("Sector"), [required()], choices=sectors)


class BusinessForm(FlaskForm):
    kind = RadioField(_l("Type of business"), [required()], choices=kind_choices,
                      default="legal_entity")
    bin = StringField(_l("BIN"), [Optional(), identifier("bin")], filters=[strip],
                      description=_l("For a legal entity: 12 digits."))
    iin = StringField(_l("IIN"), [Optional(), identifier("iin")], filters=[strip],
                      description=_l("For an individual entrepreneur: 12 digits."))
    name = _business_name()
    address = _business_address()
    district = _district()
    sector = _sector()

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


class BusinessEditForm(FlaskForm):
    """What a representative may change; the number and the type stay as registered."""

    name = _business_name()
    address = _business_address()
    district = _district()
    sector = _sector()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _association_fields(form_class):
    """The association's changeable fields, in the order of the page, on ``form_class``."""
    form_class.name_kk = StringField(_l("Name in Kazakh"), [required(), max_length(300)], filters=[strip])
    form_class.name_ru = StringField(_l("Name in Russian"), [required(), max_length(300)], filters=[strip])
    form_class.members_count = IntegerField(
        _l("Number of members"),
        [required(), NumberRange(min=1, max=1_000_000, message=_l("Enter a number from 1 to 1,000,000."))],
    )
    form_class.sectors = MultiCheckboxField(_l("Sectors"), [required()], choices=sectors)
    form_class.head_name = StringField(_l("Head's full name"), [required(), max_length(200)], filters=[strip])
    form_class.head_position = StringField(_l("Head's position"), [required(), max_length(200)], filters=[strip])
    return form_class


@_association_fields
class AssociationForm(FlaskForm):
    bin = StringField(_l("BIN"), [required(), identifier("bin")], filters=[strip])


@_association_fields
class AssociationEditForm(FlaskForm):
    """What a representative may change; the BIN stays as registered."""
