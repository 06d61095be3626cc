"""The Web Push adapter on its own: how it classifies what a push service answers, and
what it does with no service at all, a redirect, and a subscription it cannot encrypt
for. (The happy path and VAPID are checked by the stand-in: test_notifications_push.)"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from push_service import running_push_service
from taskflow import PermanentPushError, PushSubscriptionGone, TransientPushError
from taskflow.adapters.webpush import WebPushSender, classify_push_answer
from taskflow.domain.notifications import PushSubscription
from taskflow.ids import new_id
from taskflow.settings import new_vapid_private_key


@pytest.fixture
def sender() -> WebPushSender:
    return WebPushSender(
        private_key=new_vapid_private_key(), subject="mailto:ops@example.com", timeout=2
    )


def _subscription(endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    return PushSubscription(
        id=new_id(),
        user_id=new_id(),
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        created_at=datetime.now(UTC),
    )


async def _send(sender: WebPushSender, subscription: PushSubscription) -> None:
    try:
        await sender.send(subscription, b'{"body":"hi"}', ttl=60, topic="t")
    finally:
        await sender.aclose()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (201, None),
        (200, None),
        (404, PushSubscriptionGone),
        (410, PushSubscriptionGone),
        (429, TransientPushError),
        (500, TransientPushError),
        (503, TransientPushError),
        (400, PermanentPushError),
        (401, PermanentPushError),
        (403, PermanentPushError),
        (413, PermanentPushError),
        (301, PermanentPushError),
    ],
)
def test_answers_are_classified(status: int, expected: type[Exception] | None) -> None:
    error = classify_push_answer(status, "push.example", "", "30")
    if expected is None:
        assert error is None
    else:
        assert type(error) is expected
        assert str(status) in str(error)


def test_retry_after_is_read_in_seconds() -> None:
    error = classify_push_answer(429, "push.example", "slow down", "120")
    assert isinstance(error, TransientPushError)
    assert error.retry_after == 120.0
    dated = classify_push_answer(503, "push.example", "", "Wed, 21 Oct 2026 07:28:00 GMT")
    assert isinstance(dated, TransientPushError)
    assert dated.retry_after is None


def test_no_service_listening_is_transient_and_names_only_the_host(
    sender: WebPushSender,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with running_push_service() as service:
        device = service.device("phone")
    endpoint = f"http://127.0.0.1:{port}/push/secret-capability"
    with pytest.raises(TransientPushError) as caught:
        asyncio.run(_send(sender, _subscription(endpoint, device.p256dh, device.auth)))
    assert "127.0.0.1" in str(caught.value)
    assert "secret-capability" not in str(caught.value)


@pytest.fixture
def redirecting() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hits.append(self.path)
            self.send_response(307)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/push/a", hits
    server.shutdown()
    server.server_close()


def test_a_redirect_is_not_followed(
    sender: WebPushSender, redirecting: tuple[str, list[str]]
) -> None:
    endpoint, hits = redirecting
    with running_push_service() as service:
        device = service.device("phone")
    with pytest.raises(PermanentPushError, match="307"):
        asyncio.run(_send(sender, _subscription(endpoint, device.p256dh, device.auth)))
    assert hits == ["/push/a"]  # never /elsewhere


def test_a_subscription_that_cannot_be_encrypted_for_is_refused_for_good(
    sender: WebPushSender,
) -> None:
    with pytest.raises(PermanentPushError, match="cannot encrypt"):
        asyncio.run(_send(sender, _subscription("http://127.0.0.1:9/push/a", "AAAA", "BBBB")))


def test_a_vapid_token_is_reused_for_its_push_service(sender: WebPushSender) -> None:
    first = sender._authorization("https://fcm.googleapis.com/fcm/send/a")
    again = sender._authorization("https://fcm.googleapis.com/fcm/send/b")
    other = sender._authorization("https://updates.push.services.mozilla.com/wpush/v2/c")
    assert first is again
    assert first != other
    assert first["Authorization"].startswith("vapid t=")
