"""What a Web Push message carries, and which endpoints the server will post to.

A push payload is JSON, encrypted for the device by the ``PushSender``::

    {"id": "<delivery id>", "type": "task.assigned", "title": "...", "body": "...",
     "url": "https://app.example.com/tasks/<id>", "data": {"task_id": ..., "team_id": ...}}

It never carries a secret or a token: the push context of a delivery is made from the
event's context without the keys of ``SECRET_CONTEXT_KEYS`` (an invite's sealed token and
link), and an invite's push links to the application's home page, not to the link with
the token (that one is only in the mail). ``id`` is the same on every attempt and is the
message's ``Topic``, so a push service that still holds an undelivered copy replaces it,
and a service worker can use it as the notification's ``tag``: the one duplicate a
crashed worker can cause then shows once.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit
from uuid import UUID

from taskflow.domain.notifications import NotificationType
from taskflow.notifications.config import NotificationConfig
from taskflow.notifications.secret_links import SECRET_CONTEXT_KEYS
from taskflow.notifications.templates import RenderedPush

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "PUBLIC_KEYS",
    "PUSH_DONE",
    "build_payload",
    "check_endpoint",
    "check_key",
    "public_data",
    "push_context",
    "topic",
]

PUBLIC_KEYS: Final = (
    "task_id",
    "team_id",
    "title",
    "due_date",
    "user",
    "assigned_by",
    "comment_id",
)
"""The context keys a client may see (in-app ``data``, a push's ``data``): never a token."""

PUSH_DONE: Final = "push_done"
"""The context key listing the subscriptions (ids) a push delivery has reached, so that a
retry or a replay goes only to the devices that have not had it."""

MAX_PAYLOAD_BYTES: Final = 3000
"""Push services take at most 4096 bytes of encrypted payload (RFC 8291 leaves 3993 for
the text); this leaves room to spare."""
_MAX_TITLE: Final = 100
_MAX_BODY: Final = 300


def public_data(context: Mapping[str, object]) -> dict[str, object]:
    """What a client needs to show and link a notification (never a token)."""
    return {key: context[key] for key in PUBLIC_KEYS if key in context}


def push_context(
    notification_type: NotificationType, context: Mapping[str, Any], config: NotificationConfig
) -> dict[str, Any]:
    """The context a push delivery keeps: the event's, without any secret; an invite
    opens the application (its token link is the mail's alone)."""
    kept = {key: value for key, value in context.items() if key not in SECRET_CONTEXT_KEYS}
    if notification_type is NotificationType.INVITE_CREATED or "link" not in context:
        kept["link"] = config.link("/")
    else:
        kept["link"] = context["link"]
    return kept


def build_payload(
    delivery_id: UUID,
    notification_type: NotificationType,
    rendered: RenderedPush,
    context: Mapping[str, Any],
) -> bytes:
    """The JSON of the module's docstring, UTF-8, at most ``MAX_PAYLOAD_BYTES``."""
    message: dict[str, Any] = {
        "id": str(delivery_id),
        "type": notification_type.value,
        "title": _cut(rendered.title, _MAX_TITLE),
        "body": _cut(rendered.body, _MAX_BODY),
        "url": str(context.get("link") or ""),
        "data": {
            key: _cut(value, _MAX_TITLE) if isinstance(value, str) else value
            for key, value in public_data(context).items()
        },
    }
    encoded = _json(message)
    if len(encoded) > MAX_PAYLOAD_BYTES:  # long names in data: the ids are what matters
        message["data"] = {k: v for k, v in message["data"].items() if k.endswith("_id")}
        encoded = _json(message)
    return encoded


def topic(delivery_id: UUID) -> str:
    """The ``Topic`` header (at most 32 base64url characters): the delivery id in hex."""
    return delivery_id.hex


def check_endpoint(endpoint: str, hosts: Sequence[str]) -> str:
    """``endpoint`` if the server may post to it: ``https://`` on a host of ``hosts``
    (``*.example.com``: its subdomains; ``*``: any host but a private address), or
    ``http://`` on a loopback host listed by name or address (a test push service).
    Raises ``ValueError`` otherwise."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError("is not a URL") from None
    if parts.username or parts.password or not host:
        raise ValueError("is not a push service URL")
    loopback = _is_loopback(host)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError("must be an https:// URL")
    for pattern in hosts:
        allowed = pattern.lower()
        if allowed == "*" and not _is_private(host):
            return endpoint
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return endpoint
    raise ValueError(f"names a push service this server does not use ({host})")


def check_key(value: str, *, length: int, point: bool = False) -> str:
    """``value`` if it is base64url (padding optional) of ``length`` bytes; with
    ``point``, an uncompressed P-256 point (``0x04`` then X and Y), which it must be for
    ``p256dh``. Returns it without padding; raises ``ValueError`` otherwise."""
    text = value.strip().rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("is not base64url") from None
    if len(raw) != length or (point and raw[0] != 4):
        what = "an uncompressed P-256 public key" if point else f"{length} bytes"
        raise ValueError(f"must be {what}, base64url")
    return text


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_private(host: str) -> bool:
    if host == "localhost" or host.endswith((".local", ".internal", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
