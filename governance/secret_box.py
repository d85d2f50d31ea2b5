"""Sealing small secrets at rest with a key derived from the site's SECRET_KEY (libsodium's
SecretBox): what the platform must keep but nobody reading the database alone should see
(a proxy's directions while the ballot is open; the platform's own trustee share, where a
small mutual chooses that). Whoever has both the database and the site's secret key can
open them: that is the weaker promise these carry, and the pages say so."""

import hashlib

from django.conf import settings
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox


class SealError(ValueError):
    pass


def _box(purpose: str) -> SecretBox:
    key = hashlib.blake2b(settings.SECRET_KEY.encode(), digest_size=32,
                          person=b"platform-seal", salt=b"",
                          key=purpose.encode()[:64]).digest()
    return SecretBox(key)


def seal(data: bytes, purpose: str) -> bytes:
    return bytes(_box(purpose).encrypt(data))


def unseal(token: bytes, purpose: str) -> bytes:
    try:
        return _box(purpose).decrypt(bytes(token))
    except CryptoError as exc:
        raise SealError(f"the sealed {purpose} cannot be opened with this site's key") from exc
