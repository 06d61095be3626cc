"""Opaque cursors for keyset pagination, and the page type the services return.

A cursor is URL-safe base64 of a small JSON document, followed by a signature
(``CursorCodec``: HMAC-SHA256 under the data keyring's ``cursor`` subkey). It is opaque to
clients: they pass back what they got. A cursor that is too long, is not signed by a key of
the keyring, does not decode, or was made for another ordering is ``InvalidInput`` (400,
never a 500); nothing of a cursor is parsed before its signature is checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, Generic, TypeVar
from uuid import UUID

from attrs import frozen

from taskflow.domain.queries import SortValue, TimeKey
from taskflow.errors import InvalidInput
from taskflow.security.keyring import Keyring

__all__ = ["MAX_CURSOR_LENGTH", "CursorCodec", "Page"]

T = TypeVar("T")

MAX_CURSOR_LENGTH: Final = 512
"""Longer cursors are refused unread: the longest taskflow makes is about 200 characters."""
_SIGNATURE_BYTES: Final = 16
_CURSOR_USE: Final = "cursor"


@frozen
class Page(Generic[T]):
    """A page of results: ``items``, the cursor of the next page (None on the last), and
    the total count when it was asked for."""

    items: Sequence[T]
    next_cursor: str | None
    total: int | None = None


class CursorCodec:
    """Signs the cursors the services hand out and checks them when they come back.

    The newest key of the keyring signs; every key verifies, so cursors in a client's
    hands survive a rotation. ``TaskFlow`` builds one from its keyring (``tf.cursors``)
    and gives it to the services that page. ``encode``/``decode`` turn any small JSON
    document into a signed cursor and back; the ``_time`` and ``_sort`` pairs are the
    two kinds of keyset position taskflow pages by."""

    def __init__(self, keyring: Keyring) -> None:
        self._keys = [key.secret for key in keyring.for_use(_CURSOR_USE)]

    def encode(self, data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
        body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        signature = _b64(self._signature(self._keys[0], body))
        return f"{body}.{signature}"

    def decode(self, cursor: str) -> dict[str, Any]:
        """The document of a cursor this codec's keyring signed; ``InvalidInput`` (the
        ``cursor`` field) for anything else. Nothing is parsed before the signature and
        the length are checked."""
        body = self._verified(cursor)
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, UnicodeError, binascii.Error, RecursionError):
            raise _invalid() from None
        if not isinstance(data, dict):
            raise _invalid()
        return data

    def encode_time(self, key: TimeKey) -> str:
        return self.encode({"t": key.created_at.isoformat(), "id": str(key.id)})

    def decode_time(self, cursor: str) -> TimeKey:
        data = self.decode(cursor)
        try:
            return TimeKey(created_at=_utc(datetime.fromisoformat(data["t"])), id=_uuid(data["id"]))
        except (KeyError, TypeError, ValueError, OverflowError):
            raise _bad_cursor() from None

    def encode_sort(self, sort: str, value: SortValue, item_id: UUID) -> str:
        """Cursor of a list ordered by ``sort``; ``value`` is the last item's sort value."""
        encoded: Any
        if isinstance(value, datetime):
            encoded = {"dt": value.isoformat()}
        elif isinstance(value, date):
            encoded = {"d": value.isoformat()}
        else:
            encoded = value  # int or None
        return self.encode({"s": sort, "v": encoded, "id": str(item_id)})

    def decode_sort(self, cursor: str, sort: str) -> tuple[SortValue, UUID]:
        """The ``(sort value, id)`` keyset position, checked to belong to ordering ``sort``."""
        data = self.decode(cursor)
        try:
            if data["s"] != sort:
                raise ValueError
            raw = data["v"]
            value: SortValue
            if isinstance(raw, dict) and "dt" in raw:
                value = _utc(datetime.fromisoformat(raw["dt"]))
            elif isinstance(raw, dict) and "d" in raw:
                value = date.fromisoformat(raw["d"])
            elif raw is None or (isinstance(raw, int) and not isinstance(raw, bool)):
                value = raw
            else:
                raise ValueError
            return value, _uuid(data["id"])
        except (KeyError, TypeError, ValueError, OverflowError):
            raise _bad_cursor() from None

    def _signature(self, key: bytes, body: str) -> bytes:
        return hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:_SIGNATURE_BYTES]

    def _verified(self, cursor: str) -> str:
        """The cursor's body, once its signature checks out under a key of the keyring."""
        if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
            raise _invalid()
        body, _, signature_text = cursor.rpartition(".")
        try:
            signature = base64.urlsafe_b64decode(signature_text + "=" * (-len(signature_text) % 4))
        except (ValueError, binascii.Error):
            raise _invalid() from None
        for key in self._keys:
            if hmac.compare_digest(signature, self._signature(key, body)):
                return body
        raise _invalid()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid() -> InvalidInput:
    return InvalidInput.for_field("cursor", "is not a valid cursor")


def _bad_cursor() -> InvalidInput:
    return InvalidInput.for_field("cursor", "is not a valid cursor for this list")


def _uuid(value: object) -> UUID:
    """``UUID(value)`` for a string only: ``UUID(1)`` raises AttributeError, not ValueError."""
    if not isinstance(value, str):
        raise TypeError
    return UUID(value)


def _utc(moment: datetime) -> datetime:
    """The cursor's moment in UTC (as every stored time is). A naive one is refused, and so
    is one at the calendar's edge that UTC cannot hold (OverflowError): comparing it with
    stored times would fail the same way in the storage, as a 500."""
    if moment.tzinfo is None:
        raise ValueError
    return moment.astimezone(UTC)
