"""The ``PushSender`` on Web Push, with pywebpush (the ``push`` extra).

- The payload is encrypted for the subscription with ``aes128gcm`` (RFC 8188/8291:
  pywebpush's ``WebPusher.encode`` over ``http_ece``).
- Each request carries a VAPID ``Authorization: vapid t=<JWT>, k=<public key>`` (RFC
  8292, py_vapid), signed with the server's key; ``aud`` is the push service's origin,
  ``exp`` 12 hours ahead, ``sub`` the deployment's contact (``mailto:`` or ``https:``).
  A token is reused for its push service until an hour before it expires.
- ``TTL``, ``Urgency: normal`` and a ``Topic`` (RFC 8030) go with every message.
- The request is posted with aiohttp: redirects are not followed (an endpoint could
  otherwise lead the server elsewhere); one session is kept for the sends of a delivery
  pass and closed by ``aclose()``, which the delivery runner calls at its end.
- Answers are classified for the delivery runner: 2xx accepted; 404 and 410
  ``PushSubscriptionGone`` (the runner removes the subscription); 429 and 5xx, a timeout
  or no connection ``TransientPushError`` (with the service's ``Retry-After``); anything
  else ``PermanentPushError``. Messages name the push service's host, never the
  endpoint's path (a capability) nor a key.
"""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02, VapidException
from pywebpush import WebPusher, WebPushException

from taskflow.domain.notifications import PushSubscription
from taskflow.errors import (
    ConfigurationError,
    PermanentPushError,
    PushError,
    PushSubscriptionGone,
    TransientPushError,
)

__all__ = ["WebPushSender", "classify_push_answer"]

TOKEN_LIFETIME: Final = 12 * 3600
"""Seconds a VAPID token is valid (push services refuse more than 24 hours)."""
_RENEW_BEFORE: Final = 3600


class WebPushSender:
    """Sends Web Push with the VAPID key ``private_key`` (base64url of the raw 32-byte
    P-256 private key, or of its DER form) as ``subject`` (``mailto:admin@example.com``
    or an ``https:`` URL, which push services use to reach the sender)."""

    def __init__(self, *, private_key: str, subject: str, timeout: float = 10.0) -> None:
        try:
            self._vapid = Vapid02.from_string(private_key)
        except (VapidException, ValueError, TypeError):
            raise ConfigurationError(
                "TASKFLOW_VAPID_PRIVATE_KEY is not a VAPID private key: give the base64url "
                "of a raw P-256 private key (32 bytes), as web-push tools print it."
            ) from None
        if not subject.startswith(("mailto:", "https://")):
            raise ConfigurationError(
                "TASKFLOW_VAPID_SUBJECT must be a mailto: address or an https:// URL."
            )
        self.subject = subject
        self.timeout = timeout
        raw = self._vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self._public_key = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        self._tokens: dict[str, tuple[float, dict[str, str]]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"WebPushSender(subject={self.subject!r})"

    @property
    def public_key(self) -> str:
        return self._public_key

    async def send(
        self, subscription: PushSubscription, payload: bytes, *, ttl: int, topic: str | None
    ) -> None:
        host = urlsplit(subscription.endpoint).hostname or "?"
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        try:
            body = WebPusher(info).encode(payload, "aes128gcm")["body"]
        except (WebPushException, ValueError, TypeError) as error:
            raise PermanentPushError(f"cannot encrypt for this subscription: {error}") from None
        headers = {
            **self._authorization(subscription.endpoint),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(max(ttl, 0)),
            "Urgency": "normal",
        }
        if topic:
            headers["Topic"] = topic
        session = self._session_for_this_loop()
        try:
            async with session.post(
                subscription.endpoint,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After")
                answer = (await response.text(errors="replace"))[:200]
        except TimeoutError:
            raise TransientPushError(f"{host} did not answer in {self.timeout:g}s") from None
        except (aiohttp.ClientError, OSError) as error:
            raise TransientPushError(f"cannot reach {host}: {type(error).__name__}") from None
        failure = classify_push_answer(status, host, answer, retry_after)
        if failure is not None:
            raise failure

    async def aclose(self) -> None:
        """Close the kept session (and its connections)."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    # --- VAPID and the session ------------------------------------------------------

    def _authorization(self, endpoint: str) -> dict[str, str]:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self._tokens.get(audience)
        if cached is not None and cached[0] - _RENEW_BEFORE > now:
            return cached[1]
        expires = int(now) + TOKEN_LIFETIME
        claims: dict[str, Any] = {"aud": audience, "exp": expires, "sub": self.subject}
        try:
            headers: dict[str, str] = self._vapid.sign(claims)
        except VapidException as error:
            raise PermanentPushError(f"cannot sign the VAPID token: {error}") from None
        self._tokens[audience] = (float(expires), headers)
        return headers

    def _session_for_this_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        # A session belongs to one event loop; the runner closes it at the end of each
        # pass (aclose), so one from another loop is only ever a closed one.
        if self._loop is not loop or self._session is None or self._session.closed:
            self._loop = loop
            self._session = aiohttp.ClientSession()
        return self._session


def classify_push_answer(
    status: int, host: str, answer: str, retry_after: str | None = None
) -> PushError | None:
    """None for an accepted message (2xx); else the error the runner acts on."""
    if 200 <= status < 300:
        return None
    text = f"{host} answered {status}" + (f": {answer.strip()}" if answer.strip() else "")
    if status in (404, 410):
        return PushSubscriptionGone(text)
    if status == 429 or status >= 500:
        return TransientPushError(text, retry_after=_seconds(retry_after))
    return PermanentPushError(text)


def _seconds(retry_after: str | None) -> float | None:
    """``Retry-After`` in seconds (the delay form; a date is ignored)."""
    if retry_after is None:
        return None
    try:
        return max(float(retry_after.strip()), 0.0)
    except ValueError:
        return None
