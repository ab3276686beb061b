"""Account forms. Labels and messages are translated; rules live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import EqualTo, Optional

from app.accounts.passwords import MAX_LENGTH
from app.formkit import choices, email_address, identifier, kazakh_phone, max_length, required, strip

LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]


def language_choices():
    return choices(LANGUAGES)


def staff_role_choices():
    return choices([
        ("officer", _l("Officer")),
        ("supervisor", _l("Supervisor")),
        ("admin", _l("Administrator")),
    ])


class RegistrationForm(FlaskForm):
    email = EmailField(_l("Email"), [required(), email_address(), max_length(254)], filters=[strip])
    password = PasswordField(
        _l("Password"),
        [required()],
        description=_l("At least 12 characters; a phrase of several words is best."),
    )
    password_repeat = PasswordField(
        _l("Repeat password"),
        [required(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    full_name = StringField(_l("Full name"), [required(), max_length(200)], filters=[strip])
    phone = TelField(_l("Phone"), [required(), kazakh_phone], filters=[strip])
    iin = StringField(
        _l("IIN"), [Optional(), identifier("iin")], filters=[strip],
        description=_l("Optional. 12 digits."),
    )
    locale = SelectField(_l("Language"), choices=language_choices, default="kk")
    consent = BooleanField(
        _l("I agree to the processing of my personal data for the purposes of this service."),
        [required()],
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), [required(), max_length(254)], filters=[strip])
    password = PasswordField(_l("Password"), [required(), max_length(MAX_LENGTH * 4)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), [required()])
    new_password = PasswordField(
        _l("New password"),
        [required()],
        description=_l("At least 12 characters; a phrase of several words is best."),
    )
    new_password_repeat = PasswordField(
        _l("Repeat new password"),
        [required(), EqualTo("new_password", message=_l("The passwords do not match."))],
    )


class ProfileForm(FlaskForm):
    """The user's own name, phone and language (the e-mail address is the sign-in name)."""

    full_name = StringField(_l("Full name"), [required(), max_length(200)], filters=[strip])
    phone = TelField(_l("Phone"), [Optional(), kazakh_phone], filters=[strip],
                     description=_l("The officer uses it to reach you about your complaint."))
    locale = SelectField(_l("Language of the pages, e-mails and notifications"), choices=language_choices)


class StaffAccountForm(FlaskForm):
    email = EmailField(_l("Email"), [required(), email_address(), max_length(254)], filters=[strip])
    full_name = StringField(_l("Full name"), [required(), max_length(200)], filters=[strip])
    position = StringField(
        _l("Position"), [Optional(), max_length(200)], filters=[strip],
        description=_l("The job title printed under the name on the documents this person signs."),
    )
    phone = TelField(_l("Phone"), [Optional(), kazakh_phone], filters=[strip])
    role = SelectField(_l("Role"), choices=staff_role_choices, default="officer")
    locale = SelectField(_l("Language"), choices=language_choices, default="kk")


class ConfirmForm(FlaskForm):
    """A POST with only the CSRF token (sign out, activate, deactivate)."""
