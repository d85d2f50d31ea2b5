"""The ballot key's ceremony, on the platform: only public parts are kept (see
`ballots.models.KeyCeremony`). Where a small mutual lets the platform hold one share, that
share is kept sealed with the site's key."""

import json

from governance.secret_box import seal, unseal

from ..crypto import group

PLATFORM_SHARE = "platform trustee share"


def platform_share_seal(share: int) -> bytes:
    return seal(json.dumps({"share": group.scalar_hex(share)}).encode(), PLATFORM_SHARE)


def platform_share_secret(ceremony) -> int:
    data = json.loads(unseal(ceremony.platform_secret, PLATFORM_SHARE))
    return group.scalar_decode(data["share"])
