"""Agreement forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, RadioField, TextAreaField
from wtforms.validators import Optional

from app.formkit import choices, max_length, required, strip


class AuthorityProofForm(FlaskForm):
    document = FileField(
        _l("Power of attorney or order appointing the head"),
        [FileRequired(message=_l("Choose a file."))],
        description=_l("PDF, JPEG or PNG, up to 10 MB."),
    )


class PasswordSignForm(FlaskForm):
    password = PasswordField(
        _l("Your password"), [required()],
        description=_l("Re-enter your password to sign the agreement on behalf of the association."),
    )


class CmsSignForm(FlaskForm):
    signature = FileField(
        _l("Signature file (.p7s, .cms, .sig)"), [FileRequired(message=_l("Choose a file."))],
        description=_l("A detached CMS/PKCS#7 signature over the exact agreement PDF, DER or PEM."),
    )


def decision_choices():
    return choices([("accept", _l("Accept: the authority is confirmed")),
                    ("refuse", _l("Refuse"))])


class AuthorityDecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), [required()], choices=decision_choices)
    reason = TextAreaField(_l("Reason"), [Optional(), max_length(2000)], filters=[strip],
                           description=_l("Required when refusing; the representative sees it."))


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Reason"), [required(), max_length(2000)], filters=[strip])


class ReturnForm(FlaskForm):
    comment = TextAreaField(_l("Comment for the association"), [required(), max_length(2000)], filters=[strip])


class TerminateForm(FlaskForm):
    """Irreversible: done only when the confirmation page sends ``confirmed`` "yes"."""

    comment = TextAreaField(_l("Reason for termination"), [required(), max_length(2000)], filters=[strip])
    confirmed = HiddenField()


class CountersignForm(FlaskForm):
    """Irreversible: done only when the confirmation page sends ``confirmed`` "yes"."""

    confirmed = HiddenField()


class TrustAnchorForm(FlaskForm):
    certificate = FileField(
        _l("CA certificate (PEM or DER)"), [FileRequired(message=_l("Choose a file."))],
        description=_l("For example the root and issuing certificates of the National Certifying Centre of "
                       "Kazakhstan (.cer files from pki.gov.kz), GOST or RSA."),
    )


class CrlImportForm(FlaskForm):
    crl = FileField(
        _l("Certificate revocation list (CRL)"), [FileRequired(message=_l("Choose a file."))],
        description=_l("The current .crl file of an installed certifying centre (pki.gov.kz publishes them); "
                       "its signature is checked before it is used."),
    )
