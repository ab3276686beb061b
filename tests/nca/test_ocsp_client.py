"""Online revocation: the verifier asks an OCSP responder (a real one over HTTP, tests/nca/ocsp_responder.py)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from app.nca.cms_verify import verify_detached
from app.nca.ocsp_client import OcspLookup, OcspUnavailable, build_request
from app.nca.pki import parse_certificate
from tests.nca.ocsp_responder import BIN, PASSWORD, OcspResponder, make_pki
from tests.nca.signer import sign_detached_cms

CONTENT = b"%PDF-1.7\n an agreement \n%%EOF\n"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("ocsp"))


def _verify(pki, lookup, **overrides):
    der = sign_detached_cms(CONTENT, pki.p12, PASSWORD, signing_time=datetime.now(UTC))
    arguments = {"anchors": [pki.ca_nca], "crls": [], "expected_bin": BIN, "at": datetime.now(UTC),
                 "ocsp_lookup": lookup}
    return verify_detached(der, CONTENT, **{**arguments, **overrides})


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_good_answer_accepts(pki):
    pki.statuses.clear()
    with OcspResponder(pki) as url:
        result = _verify(pki, OcspLookup(url))
    assert result.accepted, result.steps[-1]
    assert result.signer.revocation_source == "ocsp" and result.signer.role == "first_head"


def test_a_revoked_answer_refuses(pki):
    leaf = parse_certificate(pki.leaf.public_bytes(serialization.Encoding.DER))
    pki.statuses[leaf.serial] = ("revoked", datetime.now(UTC).replace(microsecond=0) - timedelta(days=1))
    try:
        with OcspResponder(pki) as url:
            result = _verify(pki, OcspLookup(url))
    finally:
        pki.statuses.clear()
    assert (result.reason, result.failed_step) == ("revoked", "revocation")
    assert "by the ocsp" in result.steps[-1].detail


@pytest.mark.parametrize(("mode", "note"), [
    ("wrong-nonce", "ocsp_nonce_mismatch"),
    ("unauthorised", "ocsp_unauthorised_responder"),
    ("unknown", "does not know the certificate"),
])
def test_a_refused_answer_falls_back_to_the_crls(pki, mode, note):
    with OcspResponder(pki, mode=mode) as url:
        lookup = OcspLookup(url)
        refused = _verify(pki, lookup)
        relaxed = _verify(pki, lookup, require_revocation=False)
    assert (refused.reason, refused.failed_step) == ("revocation_unknown", "revocation")
    assert note in refused.steps[-1].detail
    assert relaxed.accepted and relaxed.signer.revocation_source is None


def test_a_responder_that_does_not_answer(pki):
    lookup = OcspLookup(f"http://127.0.0.1:{_closed_port()}/ocsp/", timeout=2)
    result = _verify(pki, lookup)
    assert result.reason == "revocation_unknown" and "did not answer" in result.steps[-1].detail
    with pytest.raises(OcspUnavailable):
        lookup(pki.ca_nca, pki.ca_nca, datetime.now(UTC))


def test_the_request_is_what_a_standard_responder_reads(pki):
    from cryptography.x509 import ocsp

    leaf = parse_certificate(pki.leaf.public_bytes(serialization.Encoding.DER))
    request = ocsp.load_der_ocsp_request(build_request(leaf, pki.ca_nca, b"n" * 32))
    assert request.serial_number == leaf.serial and request.hash_algorithm.name == "sha256"
    builder = ocsp.OCSPRequestBuilder().add_certificate(pki.leaf, pki.ca, request.hash_algorithm)
    reference = builder.build()
    assert (request.issuer_name_hash, request.issuer_key_hash) == (reference.issuer_name_hash,
                                                                   reference.issuer_key_hash)
    [nonce] = list(request.extensions)
    assert nonce.value.nonce == b"n" * 32
