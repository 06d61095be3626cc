"""Opaque cursors for keyset pagination, and the page type the services return.

A cursor is URL-safe base64 of a small JSON document. It is opaque to clients: they pass
back what they got. A cursor that does not decode, or that was made for another ordering,
is ``InvalidInput`` (never a 500).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from attrs import frozen

from taskflow.domain.queries import SortValue, TimeKey
from taskflow.errors import InvalidInput

__all__ = [
    "Page",
    "decode_cursor",
    "decode_sort_cursor",
    "decode_time_cursor",
    "encode_cursor",
    "encode_sort_cursor",
    "encode_time_cursor",
]

T = TypeVar("T")


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
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise InvalidInput.for_field("cursor", "is not a valid cursor") from None
    if not isinstance(data, dict):
        raise InvalidInput.for_field("cursor", "is not a valid cursor")
    return data


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
        return TimeKey(created_at=created_at, id=UUID(data["id"]))
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
        return value, UUID(data["id"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise _bad_cursor() from None
