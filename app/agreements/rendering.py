"""HTML of the agreement PDFs: the draft the association signs and the final document.

Documents are always bilingual (Kazakh and Russian, the texts of equal force), whatever
the reader's interface language, so these templates are not translated through Babel.
"""

from __future__ import annotations

from flask import render_template

from app.accounts.models import User
from app.agreements import nca
from app.agreements.models import Agreement
from app.agreements.services import get_agreement, text_of
from app.businesses.models import Association
from app.documents.pdf import qr_svg_data_uri
from app.documents.services import DocumentInfo
from app.extensions import db
from app.timeutil import to_local

_DATE = "%d.%m.%Y"
_TIME = "%d.%m.%Y %H:%M"


def _name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.full_name if user else ""


def _context(agreement: Agreement, *, number: str, date: str) -> dict:
    association = db.session.get(Association, agreement.association_id)
    text = text_of(agreement)
    shared = {
        "association_bin": association.bin,
        "association_head": association.head_name,
        "association_head_position": association.head_position,
        "agreement_number": number,
        "agreement_date": date,
    }
    return {
        "title_kk": text.title("kk"), "title_ru": text.title("ru"),
        "association_name_kk": association.name_kk, "association_name_ru": association.name_ru,
        "association_bin": association.bin, "text_slug": text.slug, "text_version": text.version,
        "text_sha256": agreement.text_sha256,
        "body_kk": text.render_html("kk", shared | {"association_name": association.name_kk}),
        "body_ru": text.render_html("ru", shared | {"association_name": association.name_ru}),
    }


def draft_html(agreement_id: int) -> str:
    agreement = get_agreement(agreement_id)
    placeholder = "—"
    return render_template("pdf/agreement.html", draft=True,
                           **_context(agreement, number=placeholder, date=placeholder))


# The NCA roles in the document's two languages (documents are not translated through Babel).
_NCA_ROLES = {
    "first_head": "Бірінші басшы / Первый руководитель",
    "signing_employee": "Қол қою құқығы бар қызметкер / Сотрудник с правом подписи",
}
_NCA_ALGORITHMS = {"gost2015-512": "ГОСТ 34.10-2015 (512)", "gost2015-256": "ГОСТ 34.10-2015 (256)", "rsa": "RSA"}


def _nca_signer(agreement_id: int) -> dict | None:
    signer = nca.signer_of(agreement_id)
    if signer is None:
        return None
    return {
        "name": signer.name, "iin": signer.iin, "bin": signer.bin, "organization": signer.organization,
        "role": _NCA_ROLES.get(signer.role, signer.role), "serial": signer.certificate_serial,
        "issuer": signer.certificate_issuer, "algorithm": _NCA_ALGORITHMS.get(signer.algorithm, signer.algorithm),
        "signing_time": to_local(signer.signing_time).strftime(_TIME) if signer.signing_time else None,
        "verified_at": to_local(signer.verified_at).strftime(_TIME),
        "timestamp": to_local(signer.timestamp_time).strftime(_TIME) if signer.timestamp_time else None,
        "revocation": (f"{signer.revocation_source.upper()} {to_local(signer.revocation_time).strftime(_TIME)}"
                       if signer.revocation_source and signer.revocation_time else None),
    }


def final_html(info: DocumentInfo) -> str:
    agreement = get_agreement(info.subject_id)
    valid_from = agreement.valid_from.strftime(_DATE)
    return render_template(
        "pdf/agreement.html", draft=False,
        **_context(agreement, number=agreement.number, date=valid_from),
        agreement_number=agreement.number, document_number=info.number,
        issued_at=to_local(info.issued_at).strftime(_TIME), valid_from=valid_from,
        valid_until=agreement.valid_until.strftime(_DATE),
        signer_name=_name(agreement.signed_by_id), signature_method=agreement.signature_method,
        cms_signer_subject=agreement.cms_signer_subject,
        cms_signer_fingerprint=agreement.cms_signer_fingerprint, cms_trusted=agreement.cms_trusted,
        cms_accepted_by=_name(agreement.cms_accepted_by_id), nca_signer=_nca_signer(agreement.id),
        signed_at=to_local(agreement.signed_at).strftime(_TIME),
        signed_pdf_sha256=agreement.signed_pdf_sha256,
        countersigned_by=_name(agreement.countersigned_by_id),
        countersigned_at=to_local(agreement.countersigned_at).strftime(_TIME),
        qr=qr_svg_data_uri(info.verification_url), verification_url=info.verification_url,
        verification_code=info.verification_code,
    )
