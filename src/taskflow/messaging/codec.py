"""The JSON form of an event, as queues carry it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from taskflow.domain.models import Event

__all__ = ["event_from_json", "event_to_json"]


def event_to_json(event: Event) -> str:
    return json.dumps(
        {
            "id": str(event.id),
            "name": event.name,
            "payload": event.payload,
            "occurred_at": event.occurred_at.isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def event_from_json(text: str | bytes) -> Event:
    """Raises ``ValueError`` (or ``KeyError``/``TypeError``) on anything but an event."""
    data: dict[str, Any] = json.loads(text)
    payload = data["payload"]
    if not isinstance(payload, dict):
        raise TypeError("an event payload must be a JSON object")
    occurred_at = datetime.fromisoformat(data["occurred_at"])
    if occurred_at.tzinfo is None:
        raise ValueError("an event time must carry its time zone")
    return Event(
        id=UUID(data["id"]), name=str(data["name"]), payload=payload, occurred_at=occurred_at
    )
