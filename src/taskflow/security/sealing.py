"""Sealed values: a secret that must wait in storage (an invite, verification or reset
token between the request and its mail) is kept encrypted and authenticated, so that a
leaked database, outbox or queue gives no usable link.

AES-256-GCM (the ``cryptography`` package) under the keyring's newest ``sealed-token``
subkey, with a random 96-bit nonce and the *purpose* (the event name, say) as associated
data: a value sealed for one purpose does not open for another. The sealed form is text::

    s1.<key id>.<base64url(nonce + ciphertext + tag)>

and names the key that sealed it, so any key still on the keyring opens it after a
rotation.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from taskflow.errors import SealedValueInvalid
from taskflow.security.keyring import Keyring

__all__ = ["MAX_SEALED_LENGTH", "SEALED_PREFIX", "AesGcmSealer"]

SEALED_PREFIX: Final = "s1"
MAX_SEALED_LENGTH: Final = 4096
"""Longer text is refused before any decoding: nothing taskflow seals comes near it."""

_USE: Final = "sealed-token"
_NONCE_BYTES: Final = 12


class AesGcmSealer:
    """Seals and opens short secrets with the keyring's ``sealed-token`` subkeys."""

    def __init__(self, keyring: Keyring) -> None:
        self._keys = {key.key_id: AESGCM(key.secret) for key in keyring.for_use(_USE)}
        self._current_id = keyring.current(_USE).key_id

    def seal(self, value: str, *, purpose: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        box = self._keys[self._current_id].encrypt(
            nonce, value.encode("utf-8"), purpose.encode("utf-8")
        )
        body = base64.urlsafe_b64encode(nonce + box).rstrip(b"=").decode("ascii")
        return f"{SEALED_PREFIX}.{self._current_id}.{body}"

    def open(self, sealed: str, *, purpose: str) -> str:
        """The value ``seal`` was given; ``SealedValueInvalid`` if ``sealed`` was not made by
        a key of this keyring for this purpose (tampered, foreign, or its key was retired)."""
        if len(sealed) > MAX_SEALED_LENGTH:
            raise SealedValueInvalid("The sealed value is too long.")
        prefix, _, rest = sealed.partition(".")
        key_id, _, body = rest.partition(".")
        aead = self._keys.get(key_id)
        if prefix != SEALED_PREFIX or aead is None:
            raise SealedValueInvalid("The sealed value was not made by a key of this keyring.")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose.encode())
            return plain.decode("utf-8")
        except (binascii.Error, ValueError, InvalidTag):
            raise SealedValueInvalid("The sealed value does not open.") from None
