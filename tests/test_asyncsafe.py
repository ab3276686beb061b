"""Signing and checking work even when the calling thread runs an event loop."""

import asyncio

from app.documents.pdf import render_pdf
from app.documents.pdfcheck import check_signed_pdf
from app.documents.runtime import keystore, trust_roots
from app.documents.services import ASSETS
from app.documents.signing import sign_pdf


def test_sign_and_check_inside_a_running_event_loop(app, keys):
    async def inside_a_loop():
        with app.app_context():
            pdf = render_pdf("<p>Тексеру / Проверка</p>", asset_dir=ASSETS)
            signed = sign_pdf(pdf, keystore().current_signer(), reason="test", location="Түркістан")
            return check_signed_pdf(signed, trust_roots())

    result = asyncio.run(inside_a_loop())
    assert result.ok and result.reason is None
