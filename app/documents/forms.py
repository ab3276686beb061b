"""Verification forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField


class VerifyUploadForm(FlaskForm):
    document = FileField(_l("PDF document"), description=_l("The signed PDF you received, up to 20 MB."))
