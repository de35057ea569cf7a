"""Evidence signing: the installation's Ed25519 key signs each case file's manifest.

The private key is `RELANCE_SIGNING_KEY` (PEM text) or, when that is unset, the PEM file at
`RELANCE_SIGNING_KEY_FILE` (`relance keys init` writes it, readable by its owner only). The public
key (`relance keys public`) is what a court or the other side is given: with it, `relance verify
--public-key` proves that a manifest — and through its hashes every file and the event chain head —
is the one this installation wrote, with no database at hand.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from relance.core.config import Settings
from relance.core.errors import ConfigError

ALGORITHM = "Ed25519"


class SigningKeyError(ConfigError):
    """The signing key is missing, unreadable or not an Ed25519 key."""


def generate_key_file(path: Path, *, force: bool = False) -> Ed25519PrivateKey:
    """Create a new private key at `path` (mode 0600); refuses to overwrite unless `force`."""
    if path.exists() and not force:
        raise SigningKeyError(
            f"{path} already exists: keep it (case files signed with it verify against it) or --force"
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


def private_key_from_pem(pem: bytes, source: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM bytes (`source` names where they came from in errors)."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{source}: not a PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{source}: not an Ed25519 key")
    return key


def load_signing_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The installation's key, or None when neither the variable nor the file gives one."""
    if settings.signing_key is not None:
        return private_key_from_pem(settings.signing_key.get_secret_value().encode(), "RELANCE_SIGNING_KEY")
    path = settings.signing_key_file
    if not path.is_file():
        return None
    return private_key_from_pem(path.read_bytes(), str(path))


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The public key in PEM (SubjectPublicKeyInfo)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_from_pem(pem: bytes, source: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM bytes."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{source}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{source}: not an Ed25519 public key")
    return key


def fingerprint(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, in hex: how a manifest names the key that signed it."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The detached signature of `data`, base64-encoded (one line of text)."""
    return base64.b64encode(key.sign(data)) + b"\n"


def signature_valid(key: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    """Whether `signature` (as `sign` writes it) is `key`'s signature of `data`."""
    try:
        key.verify(base64.b64decode(signature.strip(), validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
