"""RFC 3161 time-stamps: a Time-Stamping Authority (TSA) vouches that a case file's manifest existed
at an instant, independently of the installation's own clock and key.

When `RELANCE_TSA_URL` is set, the export asks the TSA for a token over the SHA-256 of
`manifest.json` and stores it as `manifest.tsr` (DER). `verify_token` checks that the token is
about this manifest, that its CMS signature is valid for the certificate it names (or for the TSA
certificate given), and returns the instant the TSA certified. Only SHA-256 imprints, RSA
(PKCS#1 v1.5) and ECDSA signatures are accepted.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from relance.core.errors import RelanceError

log = logging.getLogger(__name__)
CONTENT_TYPE = "application/timestamp-query"
TIMEOUT = 10.0


class _TimeStampResp(core.Sequence):
    """RFC 3161's TimeStampResp, whose token is absent when the TSA refuses (asn1crypto's requires it)."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


class TimestampError(RelanceError):
    """The TSA could not be reached, refused, or answered with a token that does not hold."""


@dataclass(frozen=True)
class Stamp:
    """What a valid token certifies."""

    at: datetime
    tsa: str  # the signing certificate's subject
    serial: int


def request_token(url: str, data: bytes, *, client: httpx.Client | None = None) -> bytes:
    """Ask the TSA at `url` for a token over SHA-256(`data`); returns the token (DER ContentInfo)."""
    nonce = secrets.randbits(63)
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": _digest(data)},
            "nonce": nonce,
            "cert_req": True,
        }
    )
    try:
        with client or httpx.Client(timeout=TIMEOUT) as http:
            answer = http.post(url, content=request.dump(), headers={"Content-Type": CONTENT_TYPE})
    except httpx.HTTPError as exc:
        raise TimestampError(f"the time-stamping authority at {url} cannot be reached: {exc}") from None
    if answer.status_code != 200:
        raise TimestampError(f"the time-stamping authority answered HTTP {answer.status_code}")
    try:
        response = _TimeStampResp.load(answer.content)
        status = response["status"]["status"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"the time-stamping authority's answer is not a time-stamp response: {exc}") from None
    if status not in ("granted", "granted_with_mods"):
        raise TimestampError(f"the time-stamping authority refused: {status}")
    try:
        der = response["time_stamp_token"].dump()
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"the time-stamping authority granted no token: {exc}") from None
    info = _tst_info(der)
    if info["nonce"].native != nonce:
        raise TimestampError("the time-stamp token does not answer our request (nonce differs)")
    verify_token(der, data)
    return der


def stamper(url: str | None) -> Callable[[bytes], bytes | None] | None:
    """What the export calls to time-stamp a manifest: None without a TSA; a TSA failure is logged and the
    case file goes out without a token (it is still hashed and signed) rather than not at all."""
    if not url:
        return None

    def stamp(manifest: bytes) -> bytes | None:
        try:
            return request_token(url, manifest)
        except TimestampError as exc:
            log.warning("case file exported without a time-stamp: %s", exc)
            return None

    return stamp


def verify_token(token: bytes, data: bytes, *, tsa_certificate: x509.Certificate | None = None) -> Stamp:
    """Check a token against `data` (and the TSA's certificate when given); TimestampError says what is wrong."""
    try:
        info = _tst_info(token)
        signed = cms.ContentInfo.load(token)["content"]
        signer = signed["signer_infos"][0]
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise TimestampError(f"not a time-stamp token: {exc}") from None
    if algorithm != "sha256" or hashed != _digest(data):
        raise TimestampError("the time-stamp is about another document (the manifest was changed)")
    certificate = tsa_certificate or _embedded_certificate(signed, signer)
    _check_signature(signed, signer, certificate)
    subject = certificate.subject.rfc4514_string()
    return Stamp(at=info["gen_time"].native, tsa=subject, serial=int(info["serial_number"].native))


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _tst_info(token: bytes) -> tsp.TSTInfo:
    content = cms.ContentInfo.load(token)
    if content["content_type"].native != "signed_data":
        raise TimestampError("a time-stamp token is CMS signed data")
    encap = content["content"]["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise TimestampError("the signed content is not time-stamp information")
    return encap["content"].parsed


def _embedded_certificate(signed: cms.SignedData, signer: cms.SignerInfo) -> x509.Certificate:
    sid = signer["sid"]
    if sid.name != "issuer_and_serial_number":
        raise TimestampError("the signer is not named by issuer and serial number")
    wanted = sid.chosen
    for choice in signed["certificates"] or ():
        cert = choice.chosen
        if isinstance(cert, asn1_x509.Certificate) and (
            cert.issuer == wanted["issuer"] and cert.serial_number == wanted["serial_number"].native
        ):
            return x509.load_der_x509_certificate(cert.dump())
    raise TimestampError("the token does not carry the TSA's certificate: pass it to verify")


def _check_signature(signed: cms.SignedData, signer: cms.SignerInfo, certificate: x509.Certificate) -> None:
    attrs = signer["signed_attrs"]
    if not attrs:
        raise TimestampError("the token has no signed attributes")
    content = signed["encap_content_info"]["content"].contents
    digest_name = signer["digest_algorithm"]["algorithm"].native
    if digest_name != "sha256":
        raise TimestampError(f"unsupported digest {digest_name}")
    digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
    if digests != [hashlib.sha256(content).digest()]:
        raise TimestampError("the signed digest does not match the time-stamp information: altered")
    to_verify = b"\x31" + attrs.dump()[1:]  # signed over the SET OF, not its [0] IMPLICIT form
    signature = signer["signature"].native
    key = certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, to_verify, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, to_verify, ec.ECDSA(hashes.SHA256()))
        else:
            raise TimestampError("unsupported TSA key type")
    except InvalidSignature:
        raise TimestampError("the TSA's signature does not verify: the token was altered") from None
