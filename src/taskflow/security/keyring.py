"""The data keyring: the keys that protect what taskflow stores or hands out for later.

Two things need a key of their own, apart from the JWT secrets (which rotate on a schedule
of their own and would otherwise make stored rows unreadable when they do):

- one-time tokens (invite, email verification, password reset) waiting in the outbox and
  the delivery log are *sealed* (authenticated encryption, ``taskflow.security.sealing``);
- page cursors are *signed* (``taskflow.pagination``), so a client cannot forge one.

The keyring holds several keys, newest first (``TASKFLOW_DATA_KEYS``): the newest seals and
signs; every key opens and verifies. Rotating is adding a new key in front and dropping the
oldest once nothing it protected is still stored (see docs/security.md).

Each use gets its own subkey (HKDF-SHA256 with the use as ``info``), so a cursor signature
can never be replayed as a sealed token or the other way round.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

from attrs import field, frozen
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from taskflow.errors import ConfigurationError

__all__ = ["MIN_DATA_KEY_LENGTH", "DataKey", "Keyring"]

MIN_DATA_KEY_LENGTH: Final = 32
"""The shortest data key accepted, in characters (``secrets.token_urlsafe(32)`` gives 43)."""

_KEY_ID_BYTES: Final = 4


@frozen
class DataKey:
    """One subkey of the keyring for one use: ``key_id`` names the keyring key it comes from
    (the first bytes of a hash of it, safe to store beside what it protects)."""

    key_id: str
    secret: bytes = field(repr=False)


class Keyring:
    """The data keys, newest first. ``for_use(use)`` gives that use's subkeys in the same
    order; ``current(use)`` the newest, which protects everything new."""

    def __init__(self, keys: Sequence[SecretStr]) -> None:
        if not keys:
            raise ConfigurationError("The data keyring needs at least one key.")
        values = [key.get_secret_value() for key in keys]
        for value in values:
            if len(value) < MIN_DATA_KEY_LENGTH:
                raise ConfigurationError(
                    "Every key of TASKFLOW_DATA_KEYS must be at least "
                    f"{MIN_DATA_KEY_LENGTH} characters (e.g. python -c "
                    '"import secrets; print(secrets.token_urlsafe(32))").'
                )
        if len(set(values)) != len(values):
            raise ConfigurationError("TASKFLOW_DATA_KEYS lists the same key twice.")
        self._master_keys = [value.encode("utf-8") for value in values]
        self._subkeys: dict[str, tuple[DataKey, ...]] = {}

    def __repr__(self) -> str:
        return f"Keyring(<{len(self._master_keys)} keys>)"

    def for_use(self, use: str) -> tuple[DataKey, ...]:
        """The subkeys of ``use`` (e.g. ``"sealed-token"``, ``"cursor"``), newest first."""
        subkeys = self._subkeys.get(use)
        if subkeys is None:
            subkeys = tuple(
                DataKey(key_id=_key_id(master), secret=_hkdf_sha256(master, use.encode()))
                for master in self._master_keys
            )
            self._subkeys[use] = subkeys
        return subkeys

    def current(self, use: str) -> DataKey:
        return self.for_use(use)[0]


def _key_id(master: bytes) -> str:
    return hashlib.sha256(b"taskflow key id\x00" + master).hexdigest()[: 2 * _KEY_ID_BYTES]


def _hkdf_sha256(master: bytes, info: bytes) -> bytes:
    """HKDF (RFC 5869) with SHA-256 and a fixed salt: one 32-byte subkey per use."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"taskflow data keyring", info=info)
    return hkdf.derive(master)
