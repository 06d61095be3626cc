"""A Web Push service stand-in on loopback, for the tests of the push channel.

No real push service is reachable from the tests, so this one plays it, strictly: for
every message it checks the VAPID ``Authorization`` (RFC 8292: an ES256 JWT whose
signature verifies with the key ``k``, the server's; ``aud`` its own origin, ``exp`` in
the future and at most 24 hours ahead, ``sub`` a ``mailto:`` or ``https:`` contact), the
``TTL`` and ``Content-Encoding: aes128gcm`` headers, and decrypts the body (RFC 8291)
with the private key and auth secret of the device, made by the test like a browser
makes them. A message failing a check is refused (400/401) and listed in ``rejected``;
one that passes is in ``received`` with its decrypted JSON, unless the test scripted
another answer for that device (``answer(device, 410)``, ``answer(device, (429, "60"))``).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from taskflow import TaskFlow
from taskflow.notifications import NotificationConfig
from taskflow.ports.notifications import PushSender
from taskflow.testing import FAST_PASSWORD_HASHING, TEST_AUTH_CONFIG


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """A browser's push subscription: its endpoint at the stand-in and its keys."""

    name: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription_json(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives a web client."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }


@dataclass
class Delivered:
    device: str
    message: dict[str, Any]
    headers: dict[str, str]
    raw_text: str


@dataclass
class PushServiceStandIn:
    vapid_public_key: str | None = None
    """The server's VAPID key that ``k`` must be (None: any key that verifies)."""
    devices: dict[str, Device] = field(default_factory=dict)
    received: list[Delivered] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    requests: int = 0
    delay: float = 0.0
    _answers: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def device(self, name: str) -> Device:
        """A new device (a browser subscribing) with keys of its own."""
        made = Device(
            name=name,
            endpoint=f"{self.origin}/push/{name}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=os.urandom(16),
        )
        self.devices[name] = made
        return made

    def answer(self, device: str, *answers: int | tuple[int, str]) -> None:
        """The next answers to messages for ``device``, in order (then 201 again): a
        status, or (status, Retry-After)."""
        with self._lock:
            queue = self._answers.setdefault(device, [])
            for item in answers:
                queue.append(item if isinstance(item, tuple) else (item, None))

    def texts(self, device: str | None = None) -> list[str]:
        return [d.message["body"] for d in self.received if device in (None, d.device)]

    # --- the server -----------------------------------------------------------------

    def start(self) -> None:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, retry_after = stand_in._handle(self.path, dict(self.headers), body)
                self.send_response(status)
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str | None]:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.requests += 1
        name = path.rsplit("/", 1)[-1]
        device = self.devices.get(name)
        if device is None or not path.startswith("/push/"):
            return 404, None
        problem = self._check_vapid(headers.get("Authorization", ""))
        if problem is None:
            problem = _check_headers(headers)
        if problem is not None:
            with self._lock:
                self.rejected.append(f"{name}: {problem}")
            return (401 if "vapid" in problem else 400), None
        try:
            text = http_ece.decrypt(
                body,
                private_key=device.private_key,
                auth_secret=device.auth_secret,
                version="aes128gcm",
            ).decode("utf-8")
            message = json.loads(text)
        except Exception as error:
            with self._lock:
                self.rejected.append(f"{name}: cannot decrypt: {error!r}")
            return 400, None
        with self._lock:
            queued = self._answers.get(name) or []
            if queued:
                return queued.pop(0)
            self.received.append(Delivered(name, message, headers, text))
        return 201, None

    def _check_vapid(self, authorization: str) -> str | None:
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            return f"vapid: not a vapid Authorization: {scheme!r}"
        parts = dict(
            item.strip().split("=", 1) for item in params.split(",") if "=" in item.strip()
        )
        token, key = parts.get("t", ""), parts.get("k", "")
        if self.vapid_public_key is not None and key != self.vapid_public_key:
            return "vapid: k is not the server's public key"
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(unb64url(header_b64))
            claims = json.loads(unb64url(claims_b64))
            signature = unb64url(signature_b64)
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            public.verify(
                der, f"{header_b64}.{claims_b64}".encode("ascii"), ec.ECDSA(hashes.SHA256())
            )
        except (ValueError, InvalidSignature, json.JSONDecodeError) as error:
            return f"vapid: the JWT does not verify: {error!r}"
        if header.get("alg") != "ES256":
            return f"vapid: alg {header.get('alg')!r}"
        if claims.get("aud") != self.origin:
            return f"vapid: aud {claims.get('aud')!r} is not {self.origin}"
        now = time.time()
        if not now < float(claims.get("exp", 0)) <= now + 24 * 3600:
            return "vapid: exp is not within the next 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
            return f"vapid: sub {claims.get('sub')!r}"
        return None


def _check_headers(headers: dict[str, str]) -> str | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("content-encoding") != "aes128gcm":
        return f"Content-Encoding {lowered.get('content-encoding')!r}"
    if not lowered.get("ttl", "").isdigit():
        return "no TTL"
    return None


@contextmanager
def running_push_service(vapid_public_key: str | None = None) -> Iterator[PushServiceStandIn]:
    service = PushServiceStandIn(vapid_public_key=vapid_public_key)
    service.start()
    try:
        yield service
    finally:
        service.stop()


def with_push(tf: TaskFlow, push: PushSender, config: NotificationConfig) -> TaskFlow:
    """A ``TaskFlow`` on the storage, clock, publisher and mailer of ``tf`` (a test's
    fixture, on any backend), sending Web Push with ``push`` and ``config``."""
    return TaskFlow.from_adapters(
        uow_factory=tf.uow_factory,
        token_store=tf.token_store,
        clock=tf.clock,
        publisher=tf.publisher,
        auth_config=TEST_AUTH_CONFIG,
        password_hashing=FAST_PASSWORD_HASHING,
        mailer=tf.mailer,
        notification_config=config,
        push=push,
    )
