"""CMS details the signature and timestamp checks share: strict DER lengths, the bytes signed attributes are
signed as, and the certificate a SignerInfo names."""

from __future__ import annotations


def der_length(length: int) -> bytes:
    """The DER length octets of ``length`` (short form below 128, else the minimal long form)."""
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _is_der_tlv(data: bytes, start: int, end: int, depth: int) -> bool:
    """Whether data[start:end] is exactly a sequence of TLVs with DER lengths (definite, minimal), recursively.

    The DER rules on lengths only (asn1crypto checks the values as it parses); a cheap replacement for a full
    re-encoding, which costs about 0.15 s on a CMS with its certificate.
    """
    if depth > 32:
        return False
    position = start
    while position < end:
        tag = data[position]
        position += 1
        if tag & 0xE0 == 0x20 and tag not in (0x30, 0x31):  # a constructed universal string: BER only
            return False
        if tag & 0x1F == 0x1F:  # high tag number form: base-128, no leading 0x80
            if position >= end or data[position] == 0x80:
                return False
            while position < end and data[position] & 0x80:
                position += 1
            position += 1
        if position >= end:
            return False
        first = data[position]
        position += 1
        if first < 0x80:
            length = first
        else:
            count = first & 0x7F
            if count == 0 or count > 4 or position + count > end:  # 0x80: indefinite (BER only)
                return False
            length = int.from_bytes(data[position : position + count], "big")
            if length < 0x80 or data[position] == 0:  # not the shortest form
                return False
            position += count
        if position + length > end:
            return False
        if tag & 0x20 and not _is_der_tlv(data, position, position + length, depth + 1):
            return False
        position += length
    return position == end


def is_der(data: bytes) -> bool:
    """Whether ``data`` is exactly one or more TLVs with DER lengths (definite, minimal), at every depth."""
    return _is_der_tlv(data, 0, len(data), 0)


def signed_attributes_set(attributes) -> bytes:
    """What a signature over CMS signed attributes covers: their DER with the SET OF tag (RFC 5652, 5.4),
    not the [0] IMPLICIT tag they carry inside the SignerInfo."""
    raw = attributes.contents
    return b"\x31" + der_length(len(raw)) + raw


def named_certificate(signed, signer_info):
    """The certificate of the SignedData ``signed`` that ``signer_info``'s sid names (asn1crypto), or None.

    By issuerAndSerialNumber with the issuer compared as bytes (the sid is not signed: a name "equal" only after
    RFC 4518 preparation is not enough), or by subjectKeyIdentifier.
    """
    sid = signer_info["sid"]
    for choice in signed["certificates"] or ():
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if cert.serial_number == wanted["serial_number"].native and cert.issuer.dump() == wanted["issuer"].dump():
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    return None
