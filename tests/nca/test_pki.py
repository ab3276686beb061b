"""NCA RK PKI (app.nca.pki): certificates, roles, chains, CRLs and OCSP over the real TEST material.

The fixtures are described in tests/fixtures/nca/README.md. What this material says, and the tests assert:

- roles come from the extended key usage: ``legal_*_infosystem`` are treasury clients and
  ``legal_*_treasury_client`` information systems (the file names are swapped);
- the TEST leaves are valid 2026-05-08..2027-05-08, except ``legal_valid_employee_signright`` (from 2026-06-16)
  and the two information-system certificates (``legal_*_treasury_client``, until 2029-05-07);
- the TEST CRL of 2026-08-11 puts every ``*_revoked_*`` certificate on hold (certificateHold, not only
  ``legal_revoked_head``) and revokes ``legal_valid_employee`` and ``legal_valid_infosystem`` (superseded);
- the two OCSP responses are about serial numbers that are not among the TEST keys (issued by the TEST CA:
  the CertID's issuer hashes are the CA's): ``individual_2015`` says "never issued" (RFC 6960 2.2: revoked,
  certificateHold, 1970-01-01, extended-revoke), ``ceo_2015_revoked`` "on hold since 2022-07-27".

Edge cases the material has no example of (delta CRLs, removeFromCRL, an invalidity date, OCSP answers
signed by the CA itself or by unauthorised responders, non-CA issuers, path lengths, key rollover) are
checked on a small RSA PKI made here with `cryptography`.
"""

from __future__ import annotations

import base64
import dataclasses
import glob
import hashlib
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID, ObjectIdentifier
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.nca import gost3410
from app.nca.pki import (
    ChainError,
    ChainReason,
    CrlError,
    CrlReason,
    GostPublicKey,
    KeyAlgorithm,
    MalformedData,
    NcaCertificate,
    PkiError,
    RevocationReason,
    RevocationState,
    Role,
    SignedData,
    UnsupportedAlgorithm,
    build_chain,
    check_crl,
    check_ocsp,
    parse_certificate,
    parse_crl,
    parse_ocsp_response,
    revocation_status,
    role_of,
    verify_signed_by,
)

NCA_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "nca"
AT = datetime(2026, 9, 1, tzinfo=UTC)  # inside the validity of every TEST leaf and of the CRL
ROOT = "test-2022/root_test_gost_2022.cer"
CA = "test-2022/nca_gost2022_test.cer"
CRL = "test-2022/nca_gost2022_test.crl"
RSA_TEST_CA = "rsa-test/nca_rsa_test.crt"
RSA_LEAVES = ["rsa-test/individual_valid_sign_2004_rsa.cer", "rsa-test/individual_valid_sign_2004_rsa_auth.cer"]
OCSP_FILES = sorted(os.path.relpath(p, NCA_DIR) for p in glob.glob(str(NCA_DIR / "ocsp" / "*.bin")))

IIN_1, IIN_2, BIN = "123456789011", "123456789012", "123456789021"
# name: (role by EKU, IIN, BIN, revocation state on the TEST CRL at AT)
LEAVES = {
    "individual_revoked_individual_revoked": (Role.INDIVIDUAL, IIN_1, None, RevocationState.ON_HOLD),
    "individual_valid_individual_valid": (Role.INDIVIDUAL, IIN_1, None, RevocationState.GOOD),
    "legal_revoked_employee": (Role.EMPLOYEE_WITHOUT_SIGNING_RIGHT, IIN_2, BIN, RevocationState.ON_HOLD),
    "legal_revoked_employee_signright": (Role.SIGNING_EMPLOYEE, IIN_2, BIN, RevocationState.ON_HOLD),
    "legal_revoked_head": (Role.FIRST_HEAD, IIN_1, BIN, RevocationState.ON_HOLD),
    "legal_revoked_infosystem": (Role.TREASURY_CLIENT, IIN_2, BIN, RevocationState.ON_HOLD),
    "legal_revoked_treasury_client": (Role.INFORMATION_SYSTEM, None, BIN, RevocationState.ON_HOLD),
    "legal_valid_employee": (Role.EMPLOYEE_WITHOUT_SIGNING_RIGHT, IIN_2, BIN, RevocationState.REVOKED),
    "legal_valid_employee_signright": (Role.SIGNING_EMPLOYEE, IIN_2, BIN, RevocationState.GOOD),
    "legal_valid_head": (Role.FIRST_HEAD, IIN_1, BIN, RevocationState.GOOD),
    "legal_valid_infosystem": (Role.TREASURY_CLIENT, IIN_2, BIN, RevocationState.REVOKED),
    "legal_valid_treasury_client": (Role.INFORMATION_SYSTEM, None, BIN, RevocationState.GOOD),
}
# Valid after 2027-06-01: the two information systems (until 2029-05-07), signright (until 2027-06-16).
LONGER = {
    "legal_revoked_treasury_client": datetime(2029, 6, 1, tzinfo=UTC),
    "legal_valid_treasury_client": datetime(2029, 6, 1, tzinfo=UTC),
    "legal_valid_employee_signright": datetime(2027, 7, 1, tzinfo=UTC),
}


def _read(relative: str) -> bytes:
    return (NCA_DIR / relative).read_bytes()


@cache
def _cert(relative: str) -> NcaCertificate:
    return parse_certificate(_read(relative))


def _leaf(name: str) -> NcaCertificate:
    return _cert(f"test-2022/certs/{name}.cer")


@cache
def _checked_crl():
    return check_crl(parse_crl(_read(CRL)), _cert(CA), AT)


def _flip(data: bytes, index: int, mask: int = 1) -> bytes:
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)


def _reason(call) -> str:
    with pytest.raises(PkiError) as info:
        call()
    return info.value.reason


# --- certificates --------------------------------------------------------------------------------------------


def test_the_table_covers_every_leaf():
    on_disk = {Path(p).stem for p in glob.glob(str(NCA_DIR / "test-2022" / "certs" / "*.cer"))}
    assert on_disk == set(LEAVES)


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_every_leaf_parses_with_its_role_iin_and_bin(name):
    role, iin, bin_, _ = LEAVES[name]
    cert = _leaf(name)
    assert role_of(cert) is role
    assert cert.subject.iin == iin
    assert cert.subject.bin == bin_
    assert cert.subject.organization == ('АО "ТЕСТ"' if bin_ else None)
    assert cert.subject.country == "KZ"
    assert cert.key_algorithm is KeyAlgorithm.GOST2015_512
    assert isinstance(cert.public_key, GostPublicKey) and cert.public_key.curve is gost3410.TC26_512_A
    assert cert.signature_algorithm == gost3410.SIGNATURE_OID_512 and len(cert.signature) == 128
    assert cert.issuer_dn == "CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022, C=KZ"
    assert cert.authority_key_id == _cert(CA).subject_key_id
    assert not cert.is_ca
    assert cert.crl_urls == ("http://test.pki.gov.kz/crl/nca_gost2022_test.crl",)
    assert cert.delta_crl_urls == ("http://test.pki.gov.kz/crl/nca_gost2022_d_test.crl",)
    assert cert.ocsp_urls == ("http://test.pki.gov.kz/ocsp/",)  # listed twice in the certificate
    assert cert.not_before.tzinfo is UTC and cert.not_before < cert.not_after
    assert cert.tbs in cert.der and cert.der.endswith(cert.signature)


def test_the_roles_follow_the_eku_not_the_file_names():
    assert role_of(_leaf("legal_valid_infosystem")) is Role.TREASURY_CLIENT
    assert "1.2.398.5.19.1.2.2.1" in _leaf("legal_valid_infosystem").extended_key_usage
    assert role_of(_leaf("legal_valid_treasury_client")) is Role.INFORMATION_SYSTEM
    assert "1.2.398.3.3.4.1.2.6" in _leaf("legal_valid_treasury_client").extended_key_usage
    assert _leaf("legal_valid_treasury_client").subject.common_name == 'ИС "Тест"'
    for not_a_person in (ROOT, CA, f"{OCSP_FILES[0]}.responder.cer"):
        assert role_of(_cert(not_a_person)) is Role.UNKNOWN


def test_the_fields_of_legal_valid_head():
    cert = _leaf("legal_valid_head")
    subject = cert.subject
    assert (subject.common_name, subject.surname, subject.given_name) == ("ТЕСТОВ ТЕСТ", "ТЕСТОВ", "ТЕСТОВИЧ")
    assert cert.subject_dn == (
        'CN=ТЕСТОВ ТЕСТ, SN=ТЕСТОВ, serialNumber=IIN123456789011, C=KZ, O=АО "ТЕСТ", OU=BIN123456789021, GN=ТЕСТОВИЧ'
    )
    assert cert.serial == 0x303EEBDF17969F3EDEDE9BD9828FB1355AABBE4E
    assert cert.serial_hex == "303eebdf17969f3edede9bd9828fb1355aabbe4e"
    assert cert.not_before == datetime(2026, 5, 8, 7, 10, 15, tzinfo=UTC)
    assert cert.not_after == datetime(2027, 5, 8, 7, 10, 15, tzinfo=UTC)
    assert cert.extended_key_usage == ("1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.1")
    assert cert.key_usage == {"digital_signature", "non_repudiation", "key_agreement"}
    assert cert.subject_key_id.hex() == "303eebdf17969f3edede9bd9828fb1355aabbe4e"
    assert cert.authority_key_id.hex() == "fad24b1ba3a0c961fe1ca8503e6aa2bb450db8a3"
    assert cert.version == 3
    x, y = cert.public_key.point
    assert cert.public_key_bits == b"\x04\x81\x80" + x.to_bytes(64, "little") + y.to_bytes(64, "little")


def test_the_ca_and_the_root():
    root, ca = _cert(ROOT), _cert(CA)
    assert root.is_ca and ca.is_ca and root.self_issued and not ca.self_issued
    assert ca.subject_key_id.hex() == "fad24b1ba3a0c961fe1ca8503e6aa2bb450db8a3"
    assert ca.authority_key_id == root.subject_key_id
    assert ca.key_usage == {"key_cert_sign", "crl_sign"}
    assert set(ca.critical_extensions) == {"2.5.29.19", "2.5.29.15"}
    assert ca.subject.common_name == "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022"
    assert ca.ca_issuer_urls == ("http://root.gov.kz/cert/root_test_gost_2022.cer",)


def test_pem_and_der_give_the_same_certificate():
    der = _read(CA)
    body = base64.encodebytes(der).decode()
    pem = f"Bag Attributes\n  friendlyName: x\n-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"
    assert parse_certificate(pem.encode()) == _cert(CA)
    assert parse_certificate(_read(RSA_TEST_CA)).der == x509.load_pem_x509_certificate(_read(RSA_TEST_CA)).public_bytes(
        serialization.Encoding.DER
    )


@pytest.mark.parametrize("bad", [b"", b"\x30\x00", b"not a certificate", _read(CA)[:-1], _read(CA) + b"\0", "text"])
def test_garbage_is_malformed(bad):
    with pytest.raises(MalformedData):
        parse_certificate(bad)


def test_certificates_are_equal_by_their_der():
    assert parse_certificate(_read(CA)) == _cert(CA)
    assert len({_cert(CA), parse_certificate(_read(CA)), _cert(ROOT)}) == 2


# --- signatures ----------------------------------------------------------------------------------------------


def test_signatures_verify_under_the_right_key_only():
    root, ca, leaf = _cert(ROOT), _cert(CA), _leaf("legal_valid_head")
    assert verify_signed_by(root, root)
    assert verify_signed_by(ca, root)
    assert verify_signed_by(leaf, ca)
    assert not verify_signed_by(leaf, root)
    assert not verify_signed_by(ca, ca)
    assert not verify_signed_by(leaf, _cert(RSA_TEST_CA))  # a GOST signature against an RSA key
    assert not verify_signed_by(dataclasses.replace(leaf, signature=leaf.signature[:-1]), ca)  # wrong length
    raw = SignedData(leaf.tbs, leaf.signature, leaf.signature_algorithm)
    assert verify_signed_by(raw, ca)
    assert not verify_signed_by(SignedData(leaf.tbs, _flip(leaf.signature, 5), leaf.signature_algorithm), ca)


def test_rsa_signatures_verify():
    assert verify_signed_by(_cert("rsa-test/individual_valid_sign_2004_rsa.cer"), _cert(RSA_TEST_CA))
    assert verify_signed_by(_cert("previous-production/nca_rsa.crt"), _cert("previous-production/root_rsa.crt"))
    assert not verify_signed_by(_cert("previous-production/nca_rsa.crt"), _cert(RSA_TEST_CA))
    assert not verify_signed_by(_cert(RSA_TEST_CA), _cert(CA))  # an RSA signature against a GOST key


def test_unknown_signature_algorithms_are_a_typed_error():
    with pytest.raises(UnsupportedAlgorithm):  # GOST 34.310-2004, the previous generation
        verify_signed_by(_cert("previous-production/nca_gost.crt"), _cert("previous-production/root_gost.crt"))
    assert _cert("previous-production/nca_gost.crt").key_algorithm is KeyAlgorithm.GOST2004
    with pytest.raises(UnsupportedAlgorithm):
        verify_signed_by(SignedData(b"x", b"y", "1.2.840.113549.1.1.10"), _cert(RSA_TEST_CA))  # RSA-PSS


# --- chains --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_every_leaf_chains_to_the_test_root(name):
    leaf, ca, root = _leaf(name), _cert(CA), _cert(ROOT)
    chain = build_chain(leaf, [root], [ca], AT)
    assert chain.certificates == (leaf, ca, root)
    assert (chain.leaf, chain.issuer, chain.anchor) == (leaf, ca, root)
    assert build_chain(leaf, [ca], [], AT).certificates == (leaf, ca)  # the CA itself as the anchor


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_refused_as_untrusted_with_only_the_rsa_chains_as_anchors(name):
    anchors = [_cert(RSA_TEST_CA), _cert("previous-production/root_rsa.crt"), _cert("previous-production/nca_rsa.crt")]
    with pytest.raises(ChainError) as info:
        build_chain(_leaf(name), anchors, [_cert(CA)], AT)
    assert info.value.reason is ChainReason.UNTRUSTED


def test_the_intermediate_must_come_from_the_trust_store():
    """Kalkan's CMS carries only the signer's certificate: without the CA among the intermediates, no path."""
    assert _reason(lambda: build_chain(_leaf("legal_valid_head"), [_cert(ROOT)], [], AT)) == "untrusted"


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_refused_as_expired_after_the_leaves_validity(name):
    leaf = _leaf(name)
    late = datetime(2027, 6, 1, tzinfo=UTC)
    if name in LONGER:  # still valid then
        assert build_chain(leaf, [_cert(ROOT)], [_cert(CA)], late).leaf == leaf
        late = LONGER[name]
    with pytest.raises(ChainError) as info:
        build_chain(leaf, [_cert(ROOT)], [_cert(CA)], late)
    assert info.value.reason is ChainReason.EXPIRED and info.value.certificate == leaf


def test_refused_as_not_yet_valid_before_the_leaves_validity():
    early = datetime(2026, 6, 1, tzinfo=UTC)
    leaf = _leaf("legal_valid_employee_signright")  # issued 2026-06-16
    assert _reason(lambda: build_chain(leaf, [_cert(ROOT)], [_cert(CA)], early)) == "not_yet_valid"
    assert build_chain(_leaf("legal_valid_head"), [_cert(ROOT)], [_cert(CA)], early)
    assert _reason(lambda: build_chain(_cert(CA), [_cert(ROOT)], [], datetime(2022, 1, 1, tzinfo=UTC))) == (
        "not_yet_valid"
    )


def test_refused_as_bad_signature():
    leaf, ca, root = _leaf("legal_valid_head"), _cert(CA), _cert(ROOT)
    forged_leaf = parse_certificate(_flip(leaf.der, len(leaf.der) - 1))  # a byte of the signature
    assert forged_leaf.tbs == leaf.tbs
    assert _reason(lambda: build_chain(forged_leaf, [root], [ca], AT)) == "bad_signature"
    forged_ca = parse_certificate(_flip(ca.der, len(ca.der) - 1))
    with pytest.raises(ChainError) as info:
        build_chain(leaf, [root], [forged_ca], AT)
    assert info.value.reason is ChainReason.BAD_SIGNATURE and info.value.certificate == forged_ca  # not the leaf's
    forged_root = parse_certificate(_flip(root.der, len(root.der) - 1))
    with pytest.raises(ChainError) as info:  # a self-signed anchor's own signature is checked
        build_chain(leaf, [forged_root], [ca], AT)
    assert info.value.reason is ChainReason.BAD_SIGNATURE and info.value.certificate == forged_root
    assert build_chain(leaf, [ca], [], AT)  # an intermediate anchor is trusted as it is


def test_naive_times_are_refused():
    with pytest.raises(TypeError):
        build_chain(_leaf("legal_valid_head"), [_cert(ROOT)], [_cert(CA)], datetime(2026, 9, 1))


def test_the_rsa_test_chain_builds_at_a_fixed_time_and_is_expired_today():
    ca = _cert(RSA_TEST_CA)
    for relative in RSA_LEAVES:
        leaf = _cert(relative)
        assert leaf.key_algorithm is KeyAlgorithm.RSA and role_of(leaf) is Role.INDIVIDUAL
        assert leaf.subject.iin == IIN_1
        assert build_chain(leaf, [ca], [], datetime(2022, 6, 1, tzinfo=UTC)).certificates == (leaf, ca)
        assert _reason(lambda leaf=leaf: build_chain(leaf, [ca], [], datetime.now(UTC))) == "expired"
        assert _reason(lambda leaf=leaf: build_chain(leaf, [_cert(ROOT)], [_cert(CA)], AT)) == "untrusted"


def _from_p12(relative: str) -> NcaCertificate:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    run = subprocess.run(
        ["openssl", "pkcs12", "-legacy", "-in", str(NCA_DIR / relative), "-nokeys", "-passin", "pass:Qwerty12"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    if run.returncode != 0:
        pytest.skip(f"openssl cannot read the PKCS#12 file: {run.stderr.decode(errors='replace')[:200]}")
    return parse_certificate(run.stdout)  # PEM with "Bag Attributes" text before it


@pytest.mark.parametrize(
    "name", ["RSA256_8426360556902ce4ac33977836f873e1dc190976", "AUTH_RSA256_6b361b864c679601b652fe387f61fcd9303c0327"]
)
def test_the_rsa256_keys_chain_to_the_previous_production_ca(name):
    leaf = _from_p12(f"rsa-test/{name}.p12")
    nca_rsa, root_rsa = _cert("previous-production/nca_rsa.crt"), _cert("previous-production/root_rsa.crt")
    at = datetime(2019, 1, 1, tzinfo=UTC)
    assert build_chain(leaf, [root_rsa], [nca_rsa], at).certificates == (leaf, nca_rsa, root_rsa)
    assert build_chain(leaf, [nca_rsa], [], at).certificates == (leaf, nca_rsa)
    assert _reason(lambda: build_chain(leaf, [_cert(RSA_TEST_CA)], [], at)) == "untrusted"
    assert _reason(lambda: build_chain(leaf, [root_rsa], [nca_rsa], datetime(2020, 1, 1, tzinfo=UTC))) == "expired"
    assert role_of(leaf) is Role.INDIVIDUAL and leaf.subject.iin == IIN_1


def test_a_legacy_gost_key_is_refused_as_unsupported():
    leaf = _from_p12("rsa-test/GOSTKNCA_f8a422238209b6e753116431b69b09178f14e9d7.p12")
    assert role_of(leaf) is Role.FIRST_HEAD and leaf.key_algorithm is KeyAlgorithm.GOST2004
    anchors, at = [_cert("previous-production/nca_gost.crt")], datetime(2019, 1, 1, tzinfo=UTC)
    assert _reason(lambda: build_chain(leaf, anchors, [], at)) == "unsupported_algorithm"


# --- the TEST CRL --------------------------------------------------------------------------------------------


def test_the_crl_parses_and_verifies():
    crl, ca = parse_crl(_read(CRL)), _cert(CA)
    assert crl.issuer_dn == ca.subject_dn
    assert crl.authority_key_id == ca.subject_key_id
    assert crl.this_update == datetime(2026, 8, 11, 3, 49, 19, tzinfo=UTC)
    assert crl.next_update == datetime(2027, 2, 7, 3, 49, 19, tzinfo=UTC)
    assert crl.crl_number == 166 and not crl.is_delta
    assert len(crl.revoked) == 195
    assert verify_signed_by(crl, ca) and not verify_signed_by(crl, _cert(ROOT))
    checked = check_crl(crl, ca, AT)
    assert checked.crl is crl and checked.issuer == ca
    pem = b"-----BEGIN X509 CRL-----\n" + base64.encodebytes(_read(CRL)) + b"-----END X509 CRL-----\n"
    assert parse_crl(pem).tbs == crl.tbs


@pytest.mark.parametrize("name", sorted(LEAVES))
def test_revocation_status_of_every_leaf(name):
    expected = LEAVES[name][3]
    status = revocation_status(_leaf(name), [_checked_crl()], AT)
    assert status.state is expected
    assert status.source == "crl" and status.source_time == datetime(2026, 8, 11, 3, 49, 19, tzinfo=UTC)
    if expected is RevocationState.ON_HOLD:
        assert status.reason is RevocationReason.CERTIFICATE_HOLD
        assert datetime(2026, 5, 8, tzinfo=UTC) < status.revocation_time < datetime(2026, 5, 9, tzinfo=UTC)
    elif expected is RevocationState.REVOKED:
        assert status.reason is RevocationReason.SUPERSEDED
        assert status.revocation_time.date().isoformat() == "2026-06-02"
    else:
        assert status.revocation_time is None and status.reason is None


def test_legal_revoked_head_is_on_hold_since_the_readme_time():
    status = revocation_status(_leaf("legal_revoked_head"), [_checked_crl()], AT)
    assert status.state is RevocationState.ON_HOLD
    assert status.revocation_time == datetime(2026, 5, 8, 14, 59, 6, tzinfo=UTC)


def test_a_revocation_after_the_time_of_use_leaves_the_certificate_good_then():
    leaf = _leaf("legal_valid_employee")  # revoked (superseded) 2026-06-02 11:39:09
    before = revocation_status(leaf, [_checked_crl()], datetime(2026, 6, 1, tzinfo=UTC))
    assert before.state is RevocationState.GOOD
    assert before.revoked_after == datetime(2026, 6, 2, 11, 39, 9, tzinfo=UTC)
    at_the_time = revocation_status(leaf, [_checked_crl()], datetime(2026, 6, 2, 11, 39, 9, tzinfo=UTC))
    assert at_the_time.state is RevocationState.REVOKED  # revocation time ≤ time of use: revoked
    hold = revocation_status(_leaf("legal_revoked_head"), [_checked_crl()], datetime(2026, 5, 8, 14, tzinfo=UTC))
    assert hold.state is RevocationState.GOOD and hold.revoked_after is not None


def test_unknown_without_a_crl_of_the_issuer():
    assert revocation_status(_leaf("legal_valid_head"), [], AT).state is RevocationState.UNKNOWN
    status = revocation_status(_cert(CA), [_checked_crl()], AT)  # the CA is the root's: not on its own CRL
    assert status.state is RevocationState.UNKNOWN and status.source is None
    rsa_leaf = _cert(RSA_LEAVES[0])
    assert revocation_status(rsa_leaf, [_checked_crl()], AT).state is RevocationState.UNKNOWN


def test_a_crl_with_a_changed_signature_byte_is_refused():
    der = _read(CRL)
    crl = parse_crl(_flip(der, len(der) - 10))
    assert crl.tbs == parse_crl(der).tbs
    with pytest.raises(CrlError) as info:
        check_crl(crl, _cert(CA), AT)
    assert info.value.reason is CrlReason.BAD_SIGNATURE == "crl_bad_signature"


def test_a_crl_past_its_next_update_is_stale():
    crl = parse_crl(_read(CRL))
    assert check_crl(crl, _cert(CA), crl.next_update)
    assert _reason(lambda: check_crl(crl, _cert(CA), crl.next_update + timedelta(seconds=1))) == "crl_stale"
    assert check_crl(crl, _cert(CA), datetime(2026, 6, 1, tzinfo=UTC))  # issued after the time: fine


def test_a_crl_of_another_issuer_is_refused():
    crl = parse_crl(_read(CRL))
    assert _reason(lambda: check_crl(crl, _cert(ROOT), AT)) == "crl_not_for_issuer"
    assert _reason(lambda: check_crl(crl, _leaf("legal_valid_head"), AT)) == "crl_not_for_issuer"


def test_the_rsa_test_crl():
    crl, ca = parse_crl(_read("rsa-test/nca_rsa_test.crl")), _cert(RSA_TEST_CA)
    assert crl.crl_number == 9 and len(crl.revoked) == 126
    checked = check_crl(crl, ca, datetime(2022, 6, 1, tzinfo=UTC))
    for relative in RSA_LEAVES:
        assert revocation_status(_cert(relative), [checked], datetime(2022, 6, 1, tzinfo=UTC)).state is (
            RevocationState.GOOD
        )
    assert _reason(lambda: check_crl(crl, ca, datetime.now(UTC))) == "crl_stale"


# --- the TEST OCSP responses ---------------------------------------------------------------------------------

# file: (serial the response is about, state, revocation time)
OCSP_FACTS = {
    "ocsp/ocsp_response_ceo_2015_revoked.bin": (
        0x3A90343E720594C55204B19CB9A402422EF0E622,
        RevocationState.ON_HOLD,
        datetime(2022, 7, 27, 10, 25, 30, tzinfo=UTC),
    ),
    "ocsp/ocsp_response_individual_2015.bin": (
        0x0FF06211DC82BEB00253FFA000F1DE84ABEF454F,
        RevocationState.REVOKED,
        datetime(1970, 1, 1, tzinfo=UTC),
    ),
}


def test_the_ocsp_table_covers_every_response():
    assert set(OCSP_FACTS) == set(OCSP_FILES)


def _about(response) -> NcaCertificate:
    """A stand-in for the certificate the response is about (not in the material): a TEST leaf with its serial."""
    return dataclasses.replace(_leaf("legal_valid_head"), serial=response.responses[0].serial)


@pytest.mark.parametrize("relative", OCSP_FILES)
def test_the_ocsp_responses_parse_and_verify(relative):
    response, ca = parse_ocsp_response(_read(relative)), _cert(CA)
    responder = _cert(f"{relative}.responder.cer")
    serial, state, revoked_at = OCSP_FACTS[relative]
    assert response.response_status == "successful" and len(response.responses) == 1
    single = response.responses[0]
    assert single.serial == serial
    assert single.hash_algorithm == "2.16.840.1.101.3.4.2.1"  # SHA-256
    assert single.issuer_name_hash == hashlib.sha256(ca.subject_name_der).digest()  # about a TEST CA certificate
    assert single.issuer_key_hash == hashlib.sha256(ca.public_key_bits).digest()
    assert serial not in {_leaf(name).serial for name in LEAVES}
    assert single.status == "revoked" and single.revocation_time == revoked_at
    assert single.revocation_reason is RevocationReason.CERTIFICATE_HOLD and single.next_update is None
    assert response.extended_revoke and response.nonce is not None
    assert response.certs == (responder,)
    assert response.responder_dn == responder.subject_dn
    assert verify_signed_by(response, responder) and not verify_signed_by(response, ca)
    assert verify_signed_by(responder, ca) and "1.3.6.1.5.5.7.3.9" in responder.extended_key_usage

    at = response.produced_at + timedelta(minutes=10)
    status = check_ocsp(response, _about(response), ca, at, timedelta(hours=1), nonce=response.nonce)
    assert status.state is state and status.revocation_time == revoked_at
    assert status.source == "ocsp" and status.source_time == single.this_update
    assert status.not_issued is (state is RevocationState.REVOKED)  # RFC 6960 2.2: "never issued"


@pytest.mark.parametrize("relative", OCSP_FILES)
def test_ocsp_refusals(relative):
    response, ca = parse_ocsp_response(_read(relative)), _cert(CA)
    cert = _about(response)
    at, hour = response.produced_at + timedelta(minutes=10), timedelta(hours=1)
    assert _reason(lambda: check_ocsp(response, cert, ca, at + timedelta(days=1), hour)) == "ocsp_stale"
    assert _reason(lambda: check_ocsp(response, cert, ca, at - timedelta(days=1), hour)) == "ocsp_not_yet_valid"
    assert check_ocsp(response, cert, ca, datetime(2026, 9, 1, tzinfo=UTC), timedelta(days=2000))
    assert _reason(lambda: check_ocsp(response, _leaf("legal_valid_head"), ca, at, hour)) == "ocsp_cert_mismatch"
    assert _reason(lambda: check_ocsp(response, cert, _cert(ROOT), at, hour)) == "ocsp_cert_mismatch"
    forged = dataclasses.replace(response, signature=_flip(response.signature, 7))
    assert _reason(lambda: check_ocsp(forged, cert, ca, at, hour)) == "ocsp_bad_signature"
    without_certs = dataclasses.replace(response, certs=())
    assert _reason(lambda: check_ocsp(without_certs, cert, ca, at, hour)) == "ocsp_unauthorised_responder"
    assert _reason(lambda: check_ocsp(response, cert, ca, at, hour, nonce=b"other")) == "ocsp_nonce_mismatch"


def test_malformed_ocsp_is_a_typed_error():
    for bad in (b"", b"\x30\x03\x0a\x01\x00", _read(OCSP_FILES[0])[:-3], "text"):
        with pytest.raises(MalformedData):
            parse_ocsp_response(bad)


# --- a small RSA PKI for the cases the material lacks --------------------------------------------------------

T0 = datetime(2030, 1, 1, tzinfo=UTC)  # thisUpdate of the synthetic CRLs and OCSP answers
# cryptography stamps OCSP producedAt with the clock: the synthetic certificates cover today too.
NOT_BEFORE, NOT_AFTER = datetime(2020, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")])


@dataclasses.dataclass
class Issued:
    crypto: x509.Certificate
    key: rsa.RSAPrivateKey
    nca: NcaCertificate


@cache
def _key(label: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 — small: test speed only


def _issue(
    cn: str,
    issuer: Issued | None,
    *,
    key: str | None = None,
    ca: bool = False,
    path_length: int | None = None,
    eku: tuple[str, ...] = (),
    key_usage: str | None = None,
    aki: bool = True,
) -> Issued:
    private = _key(key or cn)
    signer_key = issuer.key if issuer else private
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.crypto.subject if issuer else _name(cn))
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private.public_key()), critical=False)
    )
    if aki:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False
        )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ObjectIdentifier(o) for o in eku]), critical=False)
    if key_usage == "ca":
        usage = {"key_cert_sign": True, "crl_sign": True}
    elif key_usage == "signer":
        usage = {"digital_signature": True}
    else:
        usage = None
    if usage is not None:
        flags = dict.fromkeys(
            [
                "digital_signature",
                "content_commitment",
                "key_encipherment",
                "data_encipherment",
                "key_agreement",
                "key_cert_sign",
                "crl_sign",
            ],
            False,
        )
        builder = builder.add_extension(
            x509.KeyUsage(**flags | usage, encipher_only=False, decipher_only=False), critical=True
        )
    crypto = builder.sign(signer_key, hashes.SHA256())
    return Issued(crypto, private, parse_certificate(crypto.public_bytes(serialization.Encoding.DER)))


@cache
def _pki() -> dict[str, Issued]:
    root = _issue("Root", None, ca=True, key_usage="ca")
    sub = _issue("Sub CA", root, ca=True, path_length=0, key_usage="ca")
    pki = {"root": root, "sub": sub}
    pki["leaf"] = _issue("Leaf", sub, eku=("1.2.398.3.3.4.1.1",))
    pki["other_leaf"] = _issue("Other leaf", sub)
    pki["not_ca"] = _issue("Not a CA", root)
    pki["under_not_ca"] = _issue("Under a non-CA", pki["not_ca"])
    pki["sub_sub"] = _issue("Sub-sub CA", sub, ca=True)
    pki["too_deep"] = _issue("Too deep", pki["sub_sub"])
    pki["responder"] = _issue("Responder", sub, eku=("1.3.6.1.5.5.7.3.9",), key_usage="signer")
    pki["responder_without_eku"] = _issue("Responder without EKU", sub, key_usage="signer")
    pki["responder_of_root"] = _issue("Responder of the root", root, eku=("1.3.6.1.5.5.7.3.9",))
    # Key rollover: a second "Sub CA" with another key, and a leaf of it without an AKI (matched by DN only).
    pki["sub_new"] = _issue("Sub CA", root, key="Sub CA (new key)", ca=True, key_usage="ca")
    pki["leaf_of_new"] = _issue("Leaf of the new key", pki["sub_new"], aki=False)
    return pki


def test_synthetic_chains():
    p = _pki()
    root, sub, leaf = p["root"].nca, p["sub"].nca, p["leaf"].nca
    assert build_chain(leaf, [root], [sub], T0).certificates == (leaf, sub, root)
    assert role_of(leaf) is Role.INDIVIDUAL and role_of(p["other_leaf"].nca) is Role.UNKNOWN
    with pytest.raises(ChainError) as info:
        build_chain(p["under_not_ca"].nca, [root], [p["not_ca"].nca], T0)
    assert info.value.reason is ChainReason.NOT_A_CA and info.value.certificate == p["not_ca"].nca
    too_deep = p["too_deep"].nca
    assert _reason(lambda: build_chain(too_deep, [root], [sub, p["sub_sub"].nca], T0)) == "path_too_long"
    assert build_chain(too_deep, [p["sub_sub"].nca], [], T0)  # the anchor ends the path
    assert _reason(lambda: build_chain(leaf, [root], [sub], NOT_AFTER + timedelta(seconds=1))) == "expired"


def test_key_identifiers_choose_between_issuers_of_the_same_name():
    p = _pki()
    root, old, new = p["root"].nca, p["sub"].nca, p["sub_new"].nca
    assert old.subject_match == new.subject_match and old.subject_key_id != new.subject_key_id
    leaf = p["leaf"].nca  # has an AKI: only the old key is a candidate
    assert build_chain(leaf, [root], [new, old], T0).issuer == old
    assert _reason(lambda: build_chain(leaf, [root], [new], T0)) == "untrusted"
    no_aki = p["leaf_of_new"].nca  # no AKI: both match by name, the old one fails its signature, the new one holds
    assert no_aki.authority_key_id is None
    assert build_chain(no_aki, [root], [old, new], T0).issuer == new
    assert _reason(lambda: build_chain(no_aki, [root], [old], T0)) == "bad_signature"


def _crl(
    issuer: Issued,
    entries: list[tuple[Issued, datetime, x509.ReasonFlags | None, datetime | None]],
    *,
    number: int,
    delta_of: int | None = None,
    this_update: datetime = T0,
) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.crypto.subject)
        .last_update(this_update)
        .next_update(this_update + timedelta(days=7))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    )
    if delta_of is not None:
        builder = builder.add_extension(x509.DeltaCRLIndicator(delta_of), critical=True)
    for cert, when, reason, invalidity in entries:
        entry = x509.RevokedCertificateBuilder().serial_number(cert.crypto.serial_number).revocation_date(when)
        if reason is not None:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        if invalidity is not None:
            entry = entry.add_extension(x509.InvalidityDate(invalidity.replace(tzinfo=None)), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_synthetic_crls_hold_release_and_invalidity_date():
    p = _pki()
    sub, leaf, other = p["sub"], p["leaf"], p["other_leaf"]
    day = timedelta(days=1)
    base = check_crl(
        parse_crl(
            _crl(
                sub,
                [
                    (leaf, T0 - 2 * day, x509.ReasonFlags.certificate_hold, None),
                    (other, T0 - day, x509.ReasonFlags.key_compromise, T0 - 10 * day),
                ],
                number=10,
            )
        ),
        sub.nca,
        T0,
    )
    assert revocation_status(leaf.nca, [base], T0).state is RevocationState.ON_HOLD
    compromised = revocation_status(other.nca, [base], T0 - 5 * day)  # revoked later, but invalid since T0 − 10d
    assert compromised.state is RevocationState.REVOKED and compromised.revocation_time == T0 - 10 * day
    assert compromised.reason is RevocationReason.KEY_COMPROMISE
    assert revocation_status(other.nca, [base], T0 - 11 * day).state is RevocationState.GOOD
    release = parse_crl(
        _crl(sub, [(leaf, T0 + day, x509.ReasonFlags.remove_from_crl, None)], number=11, delta_of=10, this_update=T0)
    )
    assert release.is_delta and release.delta_base == 10
    delta = check_crl(release, sub.nca, T0)
    released = revocation_status(leaf.nca, [base, delta], T0 + day)
    assert released.state is RevocationState.GOOD and released.source_time == release.this_update
    assert revocation_status(leaf.nca, [delta], T0).state is RevocationState.UNKNOWN  # a delta needs its base
    stale_delta = check_crl(parse_crl(_crl(sub, [], number=9, delta_of=8)), sub.nca, T0)
    assert revocation_status(leaf.nca, [base, stale_delta], T0).state is RevocationState.ON_HOLD  # older: ignored
    assert _reason(lambda: check_crl(parse_crl(_crl(sub, [], number=1)), p["sub_new"].nca, T0)) == (
        "crl_not_for_issuer"  # same name, other key identifier
    )
    assert _reason(lambda: check_crl(parse_crl(_crl(p["responder"], [], number=1)), p["responder"].nca, T0)) == (
        "crl_not_for_issuer"  # a keyUsage without cRLSign
    )


def _ocsp(
    about: Issued,
    issuer: Issued,
    signer: Issued,
    *,
    status: ocsp.OCSPCertStatus = ocsp.OCSPCertStatus.GOOD,
    revoked_at: datetime | None = None,
    reason: x509.ReasonFlags | None = None,
    next_update: datetime | None = None,
    by_key: bool = False,
    include: bool = True,
    algorithm: hashes.HashAlgorithm | None = None,
) -> bytes:
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=about.crypto,
        issuer=issuer.crypto,
        algorithm=algorithm or hashes.SHA256(),
        cert_status=status,
        this_update=T0,
        next_update=next_update,
        revocation_time=revoked_at,
        revocation_reason=reason,
    )
    encoding = ocsp.OCSPResponderEncoding.HASH if by_key else ocsp.OCSPResponderEncoding.NAME
    builder = builder.responder_id(encoding, signer.crypto)
    if include:
        builder = builder.certificates([signer.crypto])
    return builder.sign(signer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_synthetic_ocsp_responders():
    p = _pki()
    sub, leaf, hour = p["sub"], p["leaf"], timedelta(hours=1)

    def status(data: bytes, at: datetime = T0):
        return check_ocsp(parse_ocsp_response(data), leaf.nca, sub.nca, at, hour)

    assert status(_ocsp(leaf, sub, p["responder"])).state is RevocationState.GOOD  # a delegated responder
    assert status(_ocsp(leaf, sub, sub, include=False)).state is RevocationState.GOOD  # the CA itself
    assert status(_ocsp(leaf, sub, sub, by_key=True, include=False)).state is RevocationState.GOOD
    sha1 = hashes.SHA1()  # noqa: S303 — the RFC 6960 default for CertIDs
    assert status(_ocsp(leaf, sub, p["responder"], by_key=True, algorithm=sha1)).state is RevocationState.GOOD
    for unauthorised in ("responder_without_eku", "responder_of_root", "other_leaf"):
        data = _ocsp(leaf, sub, p[unauthorised])
        assert _reason(lambda data=data: status(data)) == "ocsp_unauthorised_responder", unauthorised
    assert status(_ocsp(leaf, sub, sub, status=ocsp.OCSPCertStatus.UNKNOWN)).state is RevocationState.UNKNOWN
    later = _ocsp(leaf, sub, sub, status=ocsp.OCSPCertStatus.REVOKED, revoked_at=T0, reason=x509.ReasonFlags.superseded)
    assert status(later, T0 - timedelta(minutes=1)).state is RevocationState.GOOD
    revoked = status(later, T0 + timedelta(minutes=1))
    assert revoked.state is RevocationState.REVOKED and revoked.reason is RevocationReason.SUPERSEDED
    short = _ocsp(leaf, sub, sub, next_update=T0 + timedelta(minutes=10))
    assert status(short, T0 + timedelta(minutes=14)).state is RevocationState.GOOD  # within the clock skew
    assert _reason(lambda: status(short, T0 + timedelta(minutes=20))) == "ocsp_stale"
    failed = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
    response = parse_ocsp_response(failed.public_bytes(serialization.Encoding.DER))
    assert response.response_status == "try_later"
    assert _reason(lambda: check_ocsp(response, leaf.nca, sub.nca, T0, hour)) == "ocsp_not_successful"


# --- mutations (hypothesis) ----------------------------------------------------------------------------------

_MUTATION = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_MUTATION
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255), cut=st.booleans())
def test_mutated_certificates_give_only_typed_errors(position, value, cut):
    original = _leaf("legal_valid_head")
    data = bytearray(original.der)
    index = position % len(data)
    data[index] = value
    if cut:
        del data[index + 1 :]
    try:
        cert = parse_certificate(bytes(data))
    except PkiError:
        return
    try:
        good = verify_signed_by(cert, _cert(CA))
        build_chain(cert, [_cert(ROOT)], [_cert(CA)], AT)
    except PkiError:
        return
    assert good and cert.tbs == original.tbs and cert.signature == original.signature


@_MUTATION
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255))
def test_mutated_crls_give_only_typed_errors(position, value):
    original = parse_crl(_read(CRL))
    data = bytearray(original.der)
    data[position % len(data)] = value
    try:
        crl = parse_crl(bytes(data))
        check_crl(crl, _cert(CA), AT)
    except PkiError:
        return
    assert crl.tbs == original.tbs and crl.signature == original.signature


@_MUTATION
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255))
def test_mutated_ocsp_responses_give_only_typed_errors(position, value):
    relative = OCSP_FILES[0]
    original = parse_ocsp_response(_read(relative))
    data = bytearray(original.der)
    data[position % len(data)] = value
    try:
        response = parse_ocsp_response(bytes(data))
        check_ocsp(response, _about(original), _cert(CA), original.produced_at, timedelta(hours=1))
    except PkiError:
        return
    assert response.tbs == original.tbs and response.signature == original.signature


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_random_bytes_are_malformed(data):
    for parse in (parse_certificate, parse_crl):
        with pytest.raises(MalformedData):
            parse(data)
    try:
        response = parse_ocsp_response(data)
    except MalformedData:
        return
    assert response.response_status != "successful"  # e.g. 30 03 0a 01 03: a well-formed "try later"
