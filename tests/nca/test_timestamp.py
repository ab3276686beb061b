"""Timestamp tokens in NCA CMS signatures: the signer judged at the token's time, every broken token refused."""

from __future__ import annotations

from datetime import UTC, datetime

from app.nca.cms_verify import STEPS
from tests.nca.test_cms_verify import AT, signed, verify
from tests.nca.tsa import add_timestamp, make_tsa

GEN_TIME = datetime(2026, 8, 20, 10, 0, 5, tzinfo=UTC)


def anchors_with_tsa(tsa):
    from tests.nca.test_cms_verify import ROOT

    return [ROOT, tsa.root]


def test_a_valid_token_sets_the_time_judged_at():
    tsa = make_tsa()
    der = add_timestamp(signed("legal_valid_head"), tsa, GEN_TIME)
    result = verify(der, anchors=anchors_with_tsa(tsa))
    assert result.accepted, result.steps[-1]
    assert [step.code for step in result.steps] == list(STEPS)
    assert result.at == GEN_TIME and result.signer.timestamp_time == GEN_TIME
    assert result.signer.timestamp_authority == tsa.certificate.subject_dn
    assert "Test TSA" in result.steps[STEPS.index("timestamp")].detail


def test_without_a_token_the_receipt_is_the_time():
    result = verify(signed("legal_valid_head"))
    assert result.accepted and result.at == AT and result.signer.timestamp_time is None
    assert "no timestamp token" in result.steps[STEPS.index("timestamp")].detail


def test_a_token_lets_a_certificate_be_judged_after_it_expired():
    """Received after the certificate's end (2027-05-08), signed and stamped while it was valid: the chain is
    judged at the stamp (revocation not required here: the TEST CRL is out of date by then)."""
    tsa = make_tsa()
    late = datetime(2027, 6, 1, tzinfo=UTC)
    plain = verify(signed("legal_valid_head"), at=late, require_revocation=False)
    assert plain.reason == "chain_expired"
    stamped = verify(add_timestamp(signed("legal_valid_head"), tsa, GEN_TIME), at=late, anchors=anchors_with_tsa(tsa),
                     require_revocation=False)
    assert stamped.accepted, stamped.steps[-1]


def test_a_token_does_not_hide_a_suspension_before_it():
    tsa = make_tsa()
    result = verify(add_timestamp(signed("legal_revoked_head"), tsa, GEN_TIME), anchors=anchors_with_tsa(tsa))
    assert (result.reason, result.failed_step) == ("on_hold", "revocation")


def test_broken_tokens_are_refused():
    tsa = make_tsa()
    base = signed("legal_valid_head")
    cases = {
        "over another signature": (add_timestamp(base, tsa, GEN_TIME, imprinted=b"another"), "timestamp_invalid"),
        "TSA signature flipped": (add_timestamp(base, tsa, GEN_TIME, tamper="signature"), "timestamp_invalid"),
        "in the future": (add_timestamp(base, tsa, datetime(2026, 9, 1, 0, 5, tzinfo=UTC)), "timestamp_invalid"),
    }
    for label, (der, reason) in cases.items():
        result = verify(der, anchors=anchors_with_tsa(tsa))
        assert (result.accepted, result.reason, result.failed_step) == (False, reason, "timestamp"), label


def test_a_token_from_an_untrusted_or_non_tsa_signer_is_refused():
    tsa = make_tsa()
    untrusted = verify(add_timestamp(signed("legal_valid_head"), tsa, GEN_TIME))  # its root not an anchor
    assert (untrusted.reason, untrusted.failed_step) == ("timestamp_untrusted", "timestamp")
    not_a_tsa = make_tsa(time_stamping=False)
    result = verify(add_timestamp(signed("legal_valid_head"), not_a_tsa, GEN_TIME), anchors=anchors_with_tsa(not_a_tsa))
    assert (result.reason, result.failed_step) == ("timestamp_untrusted", "timestamp")


def test_the_unsigned_token_cannot_be_swapped_for_a_later_one_that_hides_an_expiry():
    """A token is only as good as its imprint: one over this signature from a trusted TSA is what moves the time."""
    tsa = make_tsa()
    other = signed("legal_valid_employee_signright")
    from asn1crypto import cms

    other_value = cms.ContentInfo.load(other)["content"]["signer_infos"][0]["signature"].native
    der = add_timestamp(signed("legal_valid_head"), tsa, GEN_TIME, imprinted=other_value)
    result = verify(der, anchors=anchors_with_tsa(tsa))
    assert result.reason == "timestamp_invalid"
