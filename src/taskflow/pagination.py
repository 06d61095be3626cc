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

__all__ = [
    "MAX_CURSOR_LENGTH",
    "CursorCodec",
    "Page",
    "decode_cursor",
    "decode_sort_cursor",
    "decode_time_cursor",
    "encode_cursor",
    "encode_sort_cursor",
    "encode_time_cursor",
]

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


def encode_cursor(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidInput.for_field("cursor", "is not a valid cursor")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        raise InvalidInput.for_field("cursor", "is not a valid cursor") from None
    if not isinstance(data, dict):
        raise InvalidInput.for_field("cursor", "is not a valid cursor")
    return data


def _uuid(value: object) -> UUID:
    """``UUID(value)`` for a string only: ``UUID(1)`` raises AttributeError, not ValueError."""
    if not isinstance(value, str):
        raise TypeError
    return UUID(value)


def _bad_cursor() -> InvalidInput:
    return InvalidInput.for_field("cursor", "is not a valid cursor for this list")


def _utc(moment: datetime) -> datetime:
    """The cursor's moment in UTC (as every stored time is). A naive one is refused, and so
    is one at the calendar's edge that UTC cannot hold (OverflowError): comparing it with
    stored times would fail the same way in the storage, as a 500."""
    if moment.tzinfo is None:
        raise ValueError
    return moment.astimezone(UTC)


def encode_time_cursor(key: TimeKey) -> str:
    return encode_cursor({"t": key.created_at.isoformat(), "id": str(key.id)})


def decode_time_cursor(cursor: str) -> TimeKey:
    data = decode_cursor(cursor)
    try:
        created_at = _utc(datetime.fromisoformat(data["t"]))
        return TimeKey(created_at=created_at, id=_uuid(data["id"]))
    except (KeyError, TypeError, ValueError, OverflowError):
        raise _bad_cursor() from None


def encode_sort_cursor(sort: str, value: SortValue, item_id: UUID) -> str:
    """Cursor of a list ordered by ``sort``; ``value`` is the last item's sort value."""
    encoded: Any
    if isinstance(value, datetime):
        encoded = {"dt": value.isoformat()}
    elif isinstance(value, date):
        encoded = {"d": value.isoformat()}
    else:
        encoded = value  # int or None
    return encode_cursor({"s": sort, "v": encoded, "id": str(item_id)})


def decode_sort_cursor(cursor: str, sort: str) -> tuple[SortValue, UUID]:
    """The ``(sort value, id)`` keyset position, checked to belong to ordering ``sort``."""
    data = decode_cursor(cursor)
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


class CursorCodec:
    """Signs the cursors a service hands out and checks them when they come back.

    The newest key of the keyring signs; every key verifies, so cursors in a client's
    hands survive a rotation. Build one per ``TaskFlow`` (its keyring) and give it to the
    services that page."""

    def __init__(self, keyring: Keyring) -> None:
        self._keys = [key.secret for key in keyring.for_use(_CURSOR_USE)]

    def encode_time(self, key: TimeKey) -> str:
        return self._sign(encode_time_cursor(key))

    def decode_time(self, cursor: str) -> TimeKey:
        return decode_time_cursor(self._verified(cursor))

    def encode_sort(self, sort: str, value: SortValue, item_id: UUID) -> str:
        return self._sign(encode_sort_cursor(sort, value, item_id))

    def decode_sort(self, cursor: str, sort: str) -> tuple[SortValue, UUID]:
        return decode_sort_cursor(self._verified(cursor), sort)

    def _signature(self, key: bytes, body: str) -> bytes:
        return hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:_SIGNATURE_BYTES]

    def _sign(self, body: str) -> str:
        signature = self._signature(self._keys[0], body)
        return f"{body}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"

    def _verified(self, cursor: str) -> str:
        """The cursor's body, once its signature checks out under a key of the keyring."""
        if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
            raise InvalidInput.for_field("cursor", "is not a valid cursor")
        body, _, signature_text = cursor.rpartition(".")
        try:
            signature = base64.urlsafe_b64decode(signature_text + "=" * (-len(signature_text) % 4))
        except (ValueError, binascii.Error):
            raise InvalidInput.for_field("cursor", "is not a valid cursor") from None
        for key in self._keys:
            if hmac.compare_digest(signature, self._signature(key, body)):
                return body
        raise InvalidInput.for_field("cursor", "is not a valid cursor")
