"""`app.nca.cms_verify.verify_detached` on CMS signatures made with the NCA TEST keys (tests/nca/signer.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.nca.cms_verify import STEPS, verify_detached
from app.nca.pki import parse_certificate, parse_crl, role_of
from tests.conftest import proof
from tests.nca.signer import sign_detached_cms

NCA = Path(__file__).resolve().parents[1] / "fixtures" / "nca"
TEST = NCA / "test-2022"
KEYS = sorted((TEST / "keys").glob("*.p12"))
ROOT = parse_certificate((TEST / "root_test_gost_2022.cer").read_bytes())
CA = parse_certificate((TEST / "nca_gost2022_test.cer").read_bytes())
CRL = parse_crl((TEST / "nca_gost2022_test.crl").read_bytes())
RSA_TEST_CA = parse_certificate((NCA / "rsa-test" / "nca_rsa_test.crt").read_bytes())
AT = datetime(2026, 9, 1, tzinfo=UTC)
BIN = "123456789021"
SIGNED_AT = datetime(2026, 8, 20, 10, 0, 0, tzinfo=UTC)

# A ~200 KB PDF-like byte string (pseudo-random, reproducible).
_rng = random.Random(20260901)
CONTENT = b"%PDF-1.7\n" + _rng.randbytes(200_000) + b"\n%%EOF\n"

# Worked out from the certificates (role by EKU) and the TEST CRL (which puts every *_revoked_* key on hold
# and revokes legal_valid_employee and legal_valid_infosystem); revocation is checked before the role.
EXPECTED = {
    "legal_valid_head": (True, None),
    "legal_valid_employee_signright": (True, None),
    "legal_valid_employee": (False, "revoked"),  # employee without the right, but revoked first
    "legal_valid_infosystem": (False, "revoked"),  # a treasury client by its EKU, revoked
    "legal_valid_treasury_client": (False, "role"),  # an information system by its EKU, good on the CRL
    "individual_valid_individual_valid": (False, "role"),
    "legal_revoked_head": (False, "on_hold"),
    "legal_revoked_employee": (False, "on_hold"),
    "legal_revoked_employee_signright": (False, "on_hold"),
    "legal_revoked_infosystem": (False, "on_hold"),
    "legal_revoked_treasury_client": (False, "on_hold"),
    "individual_revoked_individual_revoked": (False, "on_hold"),
}


@lru_cache(maxsize=64)
def signed(name: str, tamper: str | None = None) -> bytes:
    return sign_detached_cms(CONTENT, TEST / "keys" / f"{name}.p12", signing_time=SIGNED_AT, tamper=tamper)


def verify(cms_der: bytes, content: bytes = CONTENT, **overrides):
    arguments = {"anchors": [ROOT], "intermediates": [CA], "crls": [CRL], "expected_bin": BIN, "at": AT}
    return verify_detached(cms_der, content, **{**arguments, **overrides})


def codes(result) -> list[str]:
    return [step.code for step in result.steps]


def test_expected_table_covers_every_key():
    assert sorted(EXPECTED) == sorted(path.stem for path in KEYS)


def test_every_test_key():
    table = []
    unexpected = []
    for path in KEYS:
        result = verify(signed(path.stem))
        accepted, reason = EXPECTED[path.stem]
        table.append((path.stem, result.accepted, result.reason, result.failed_step))
        if (result.accepted, result.reason) != (accepted, reason):
            unexpected.append((path.stem, result.accepted, result.reason, result.steps[-1]))
        # the steps run are a prefix of STEPS; all but a refused last one passed; the rest are "not run"
        assert tuple(codes(result)) == STEPS[: len(result.steps)]
        assert all(step.passed for step in result.steps[:-1])
        assert result.steps[-1].passed is result.accepted
        assert result.not_run == STEPS[len(result.steps) :]
        if reason in ("revoked", "on_hold"):
            assert result.failed_step == "revocation"
        if reason == "role":
            assert result.failed_step == "role"
    for row in table:
        print(*row)
    accepted_count = sum(1 for row in table if row[1])
    proof(
        f"nca: {len(table)} test keys, {accepted_count} accepted, {len(table) - accepted_count} refused, "
        f"{len(unexpected)} unexpected"
    )
    assert unexpected == []


def test_accepted_report():
    result = verify(signed("legal_valid_head"))
    assert result.accepted and result.reason is None and result.failed_step is None
    assert codes(result) == list(STEPS) and all(step.passed for step in result.steps)
    assert result.not_run == ()
    signer = result.signer
    cert = parse_certificate(sign_key_certificate("legal_valid_head"))
    assert signer.name == cert.subject.common_name
    assert signer.iin == cert.subject.iin == "123456789011"
    assert signer.bin == BIN
    assert signer.organization == cert.subject.organization
    assert signer.role == "first_head"
    assert signer.serial_hex == cert.serial_hex
    assert signer.issuer_dn == cert.issuer_dn
    assert signer.algorithm == "gost2015-512"
    assert signer.signing_time == SIGNED_AT
    assert signer.revocation_source == "crl"
    assert signer.revocation_time == CRL.this_update
    assert result.at == AT


def sign_key_certificate(name: str) -> bytes:
    from tests.nca.signer import read_key

    return read_key(TEST / "keys" / f"{name}.p12").certificate


def test_on_hold_details():
    result = verify(signed("legal_revoked_head"))
    assert (result.accepted, result.reason, result.failed_step) == (False, "on_hold", "revocation")
    assert result.not_run == ("role", "bin")
    assert result.signer.revocation_source == "crl"


def test_changed_content_byte():
    content = bytearray(CONTENT)
    content[len(content) // 2] ^= 0x40
    result = verify(signed("legal_valid_head"), bytes(content))
    assert (result.reason, result.failed_step) == ("digest_mismatch", "message_digest")
    assert result.not_run == STEPS[2:]


@pytest.mark.parametrize(
    ("tamper", "reason", "step"),
    [
        ("content", "digest_mismatch", "message_digest"),
        ("attributes", "bad_signature", "signature"),
        ("signature", "bad_signature", "signature"),
    ],
)
def test_tamper_modes(tamper, reason, step):
    result = verify(signed("legal_valid_head", tamper))
    assert (result.accepted, result.reason, result.failed_step) == (False, reason, step)


def test_bin_mismatch():
    result = verify(signed("legal_valid_head"), expected_bin="987654321098")
    assert (result.reason, result.failed_step) == ("bin_mismatch", "bin")


def test_without_crl():
    result = verify(signed("legal_valid_head"), crls=[])
    assert (result.reason, result.failed_step) == ("revocation_unknown", "revocation")
    relaxed = verify(signed("legal_valid_head"), crls=[], require_revocation=False)
    assert relaxed.accepted
    assert relaxed.signer.revocation_source is None


def test_stale_crl():
    late = datetime(2027, 3, 1, tzinfo=UTC)
    assert CRL.next_update < late < parse_certificate(sign_key_certificate("legal_valid_head")).not_after
    result = verify(signed("legal_valid_head"), at=late)
    assert (result.reason, result.failed_step) == ("revocation_unknown", "revocation")
    assert "crl_stale" in result.steps[-1].detail


def test_crl_given_as_bytes_and_certificates_as_bytes():
    result = verify(
        signed("legal_valid_head"),
        anchors=[ROOT.der],
        intermediates=[CA.der],
        crls=[(TEST / "nca_gost2022_test.crl").read_bytes()],
    )
    assert result.accepted


def test_wrong_anchor():
    result = verify(signed("legal_valid_head"), anchors=[RSA_TEST_CA])
    assert (result.accepted, result.failed_step) == (False, "chain")
    assert result.reason == "chain_untrusted"


def test_before_validity():
    result = verify(signed("legal_valid_head"), at=datetime(2025, 1, 1, tzinfo=UTC))
    assert result.reason == "chain_not_yet_valid"


def test_rsa_cms():
    key = next((NCA / "rsa-test").glob("RSA256_*.p12"))
    der = sign_detached_cms(CONTENT, key, signing_time=datetime(2018, 12, 1, tzinfo=UTC))
    nca_rsa = parse_certificate((NCA / "previous-production" / "nca_rsa.crt").read_bytes())
    result = verify(der, anchors=[nca_rsa], intermediates=[], crls=[], at=datetime(2019, 1, 1, tzinfo=UTC),
                    require_revocation=False)
    passed = {step.code for step in result.steps if step.passed}
    assert {"structure", "message_digest", "signing_certificate", "signature", "chain", "revocation"} <= passed
    assert result.signer.algorithm == "rsa"
    # the certificate: an individual (EKU 1.2.398.3.3.4.1.1), no BIN → refused at the role step
    from tests.nca.signer import read_key

    cert = parse_certificate(read_key(key).certificate)
    assert str(role_of(cert)) == "individual" and cert.subject.bin is None
    assert (result.accepted, result.reason, result.failed_step) == (False, "role", "role")
    assert result.signer.iin == cert.subject.iin


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00", b"\x30\x80\x00\x00", b"not a cms", bytes(range(256)), b"\x30\x03\x02\x01\x01"],
)
def test_garbage_is_malformed(garbage):
    result = verify(garbage)
    assert (result.accepted, result.reason, result.failed_step) == (False, "malformed", "structure")


def test_truncated_and_extended_cms():
    der = signed("legal_valid_head")
    assert verify(der[:-1]).reason == "malformed"
    assert verify(der + b"\x00").reason == "malformed"


def test_non_bytes_inputs():
    assert verify(None).reason == "malformed"  # type: ignore[arg-type]
    assert verify(signed("legal_valid_head"), content=None).reason == "malformed"  # type: ignore[arg-type]
    assert verify(signed("legal_valid_head"), crls=[b"junk"]).reason == "malformed"


def test_naive_time_is_a_programming_error():
    with pytest.raises(TypeError):
        verify(signed("legal_valid_head"), at=datetime(2026, 9, 1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_single_bit_flips_never_accepted(data):
    der = signed("legal_valid_head")
    position = data.draw(st.integers(0, len(der) - 1))
    bit = data.draw(st.integers(0, 7))
    flipped = bytearray(der)
    flipped[position] ^= 1 << bit
    result = verify(bytes(flipped))
    assert not result.accepted, (position, bit)
    assert result.reason is not None


def test_a_bit_flip_in_every_byte_is_refused():
    """One flip in every byte of the whole CMS (the bit is the position mod 8): none is accepted."""
    der = signed("legal_valid_head")
    accepted = []
    for position in range(len(der)):
        flipped = bytearray(der)
        flipped[position] ^= 1 << (position % 8)
        if verify(bytes(flipped)).accepted:
            accepted.append(position)
    assert accepted == []


def test_sid_by_subject_key_identifier_needs_version_3():
    from asn1crypto import cms

    info = cms.ContentInfo.load(signed("legal_valid_head"))
    certificate = info["content"]["certificates"][0].chosen
    signer_info = info["content"]["signer_infos"][0]
    signer_info["sid"] = cms.SignerIdentifier(name="subject_key_identifier", value=certificate.key_identifier)
    assert verify(info.dump(force=True)).reason == "unsupported_structure"  # still v1: refused
    signer_info["version"] = "v3"
    info["content"]["version"] = "v3"
    result = verify(info.dump(force=True))  # the sid is unsigned: found by SKI, the rest as before
    assert result.accepted, result.steps[-1]


def test_time_of_one_verification():
    """Fresh signatures each time (the signature checks of `pki` are cached per signature), chain warm."""
    import time

    verify(signed("legal_valid_head"))  # warm-up: curve tables, the chain's cached signature checks
    times = []
    for second in range(5):
        der = sign_detached_cms(CONTENT, TEST / "keys" / "legal_valid_head.p12", signing_time=SIGNED_AT.replace(
            second=second + 1))
        started = time.perf_counter()
        assert verify(der).accepted
        times.append(time.perf_counter() - started)
    print(f"one GOST verification of {len(CONTENT)} bytes: best {min(times) * 1000:.1f} ms, "
          f"worst {max(times) * 1000:.1f} ms")
