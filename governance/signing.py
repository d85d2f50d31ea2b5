"""The platform's signing key for documents it hands to regulators and scrutineers (the
scrutineer's bundle): an Ed25519 key, from the `RESULTS_SIGNING_KEY` setting (32 bytes,
base64) or, where that is not set, derived from the secret key, so that every web server
and worker of one installation signs with the same key. The public key and its
fingerprint are shown on the scrutineer's pages, so a signature can be checked against a
key obtained apart from the bundle."""

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings


def _private_key() -> Ed25519PrivateKey:
    configured = getattr(settings, "RESULTS_SIGNING_KEY", "")
    if configured:
        seed = base64.b64decode(configured)
    else:
        seed = hashlib.sha256(b"results-signing-key:" + settings.SECRET_KEY.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def sign(data: bytes) -> bytes:
    """The Ed25519 signature of `data`, base64."""
    return base64.b64encode(_private_key().sign(data))


def public_key_pem() -> bytes:
    return _private_key().public_key().public_bytes(Encoding.PEM,
                                                    PublicFormat.SubjectPublicKeyInfo)
