"""Helpers for testing applications that embed taskflow (docs/testing.md). Shipped with
the package on purpose.

    from taskflow.testing import drain, make_test_taskflow

    tf = make_test_taskflow()  # in memory; make_test_taskflow(database_url=...) on SQL
    owner = tf.auth.signup(email="a@example.com", password="correct horse", name="Ali")
    team = tf.teams.create(owner.user.id, name="Design")
    tf.invites.create(owner.user.id, team.id, email="bob@example.com")
    [invite] = drain(tf).mails_to("bob@example.com")   # what the worker would send now

- ``make_test_taskflow()``: a whole ``TaskFlow`` with a fake clock (``tf.clock``), a
  publisher that records the events AND hands them to the receivers connected with
  ``tf.events`` (``tf.publisher``), a recording mailer (``tf.mailer``) and fast password
  hashing; on in-memory storage, or on a SQL database (``database_url``).
- ``drain(tf)``: runs, synchronously, what the worker would run now: the outbox relay,
  the notification dispatch and the delivery of the mails due; answers a ``Drained``
  with the events handled, the mails sent (``SentMail``) and the in-app notifications.
- ``one_time_token(tf, event)``: the token an invite, verification or reset mail carries.
- ``InMemoryUserDirectory``: the host's users for identity mode
  (``make_test_taskflow(directory=...)``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

from attrs import frozen
from pydantic import SecretStr

from taskflow.adapters.memory import (
    InMemoryStore,
    InMemoryTokenStore,
    InMemoryUnitOfWorkFactory,
    RecordingEventPublisher,
)
from taskflow.adapters.memory.directory import InMemoryUserDirectory
from taskflow.adapters.memory.mailer import RecordingMailer
from taskflow.adapters.memory.queue import InProcessQueue
from taskflow.bootstrap import Storage, TaskFlow, build_memory_storage, upgrade_sql_storage
from taskflow.config import AuthConfig, InviteConfig, PasswordHashingConfig
from taskflow.domain.models import Event
from taskflow.domain.notifications import Channel, Notification, NotificationType
from taskflow.errors import ConfigurationError
from taskflow.messaging.relay import OutboxRelay
from taskflow.notifications.config import NotificationConfig
from taskflow.ports.identity import UserDirectory
from taskflow.ports.notifications import Mailer, PushSender

__all__ = [
    "Drained",
    "FAST_PASSWORD_HASHING",
    "FakeClock",
    "InMemoryStore",
    "InMemoryTokenStore",
    "InMemoryUnitOfWorkFactory",
    "InMemoryUserDirectory",
    "RecordingEventPublisher",
    "RecordingMailer",
    "SentMail",
    "TEST_AUTH_CONFIG",
    "drain",
    "make_test_taskflow",
    "one_time_token",
]

T = TypeVar("T")

FAST_PASSWORD_HASHING = PasswordHashingConfig(memory_cost_kib=1024, time_cost=1, parallelism=1)
"""argon2id parameters cheap enough for a test suite. Never use them in production."""


def _test_auth_config() -> AuthConfig:
    return AuthConfig(
        jwt_secret=SecretStr("test-jwt-secret-that-is-at-least-32-characters"),
        refresh_secret=SecretStr("test-refresh-secret-that-is-at-least-32-chars"),
    )


TEST_AUTH_CONFIG = _test_auth_config()


class FakeClock:
    """A clock that stands still until told to move: ``advance(minutes=5)``, ``set(dt)``."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 2, 1, 10, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware datetime")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware datetime")
        self._now = when


def make_test_taskflow(
    *,
    clock: FakeClock | None = None,
    publisher: RecordingEventPublisher | None = None,
    auth_config: AuthConfig = TEST_AUTH_CONFIG,
    invite_config: InviteConfig | None = None,
    mailer: Mailer | None = None,
    notification_config: NotificationConfig | None = None,
    database_url: str | None = None,
    directory: UserDirectory | None = None,
    push: PushSender | None = None,
) -> TaskFlow:
    """A ``TaskFlow`` with a fake clock, a recording publisher, a recording mailer and
    fast password hashing, on in-memory storage, or on the SQL database of
    ``database_url`` (migrated first; the ``sqlalchemy`` extra; ``tf.close()`` or
    ``with`` releases it). Reach the fakes as ``tf.clock``, ``tf.publisher`` and
    ``tf.mailer``. The publisher sends every committed event to the receivers connected
    with ``tf.events`` (``@tf.events.receiver(name)``, lambdas included), as in
    production, and records it (``tf.publisher.named(name)``). ``directory``: the host's
    users for identity mode (``InMemoryUserDirectory`` in tests). ``push``: a
    ``PushSender`` (none by default: no push deliveries)."""
    publisher = publisher or RecordingEventPublisher()
    storage = (
        build_memory_storage(publisher)
        if database_url is None
        else (_sql_storage(database_url, publisher))
    )
    taskflow = TaskFlow.from_adapters(
        uow_factory=storage.uow_factory,
        token_store=storage.token_store,
        clock=clock or FakeClock(),
        publisher=publisher,
        auth_config=auth_config,
        invite_config=invite_config or InviteConfig(),
        password_hashing=FAST_PASSWORD_HASHING,
        mailer=mailer or RecordingMailer(),
        notification_config=notification_config,
        directory=directory,
        push=push,
    )
    taskflow._closers.append(storage.close)  # as from_settings does: tf.close() releases it
    return taskflow


def _sql_storage(database_url: str, publisher: RecordingEventPublisher) -> Storage:
    try:
        from taskflow.adapters.sqlalchemy import SqlStorage  # noqa: PLC0415 - an extra
    except ModuleNotFoundError as error:
        raise ConfigurationError(
            f"make_test_taskflow(database_url=...) needs {error.name!r}: "
            "pip install 'taskflow-embed[sqlalchemy]'"
        ) from None
    sql = SqlStorage.from_urls(database_url, publisher=publisher)
    try:
        upgrade_sql_storage(sql)
    except BaseException:
        sql.close()
        raise
    return Storage(uow_factory=sql.uow_factory, token_store=sql.token_store, close=sql.close)


def one_time_token(tf: TaskFlow, event: Event) -> str:
    """The raw one-time token of an ``invite.created``, ``user.verify_email`` or
    ``user.password_reset`` event of ``tf`` (its payload carries it sealed, as the outbox
    and the queue keep it): what the mail's link would carry, for a test to follow it."""
    return tf.sealer.open(str(event.payload["sealed_token"]), purpose=event.name)


# --- drain: what the worker would do now ---------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"']+")


@frozen
class SentMail:
    """One mail ``drain`` saw sent, with what a test reads from it: its notification
    ``type`` (``invite.created``...), ``to``, ``subject``, ``text``, ``html``,
    ``language``, ``links`` and the ``token`` of its link."""

    type: NotificationType
    message: EmailMessage

    @property
    def language(self) -> str:
        return str(self.message["Content-Language"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The plain-text part."""
        return _part(self.message, "plain")

    @property
    def html(self) -> str:
        """The HTML part."""
        return _part(self.message, "html")

    @property
    def links(self) -> list[str]:
        """The URLs in the plain-text part, in order."""
        return _URL.findall(self.text)

    @property
    def token(self) -> str:
        """The one-time token of the mail's link (invite, verification, password reset):
        what your page would pass to ``tf.invites.accept(..., token=...)``."""
        for link in self.links:
            tokens = parse_qs(urlsplit(link).query).get("token")
            if tokens:
                return tokens[0]
        raise LookupError(f"the mail {self.subject!r} has no link with a token")


@frozen
class Drained:
    """What one ``drain`` did: the events it handled, the mails sent and the in-app
    notifications written (in order)."""

    events: list[Event]
    mails: list[SentMail]
    notifications: list[Notification]

    def mails_to(self, address: str, *, type: str | None = None) -> list[SentMail]:
        """The mails sent to ``address`` (any letter case), of notification ``type``
        (``"invite.created"``...) when given."""
        wanted = address.strip().lower()
        return [
            mail
            for mail in self.mails
            if mail.to.strip().lower() == wanted and (type is None or mail.type == type)
        ]

    def notifications_for(self, user_id: UUID) -> list[Notification]:
        return [n for n in self.notifications if n.user_id == user_id]


def drain(tf: TaskFlow, *, now: datetime | None = None) -> Drained:
    """Run now, in this thread, what the worker would: relay every event waiting in the
    outbox, hand each to ``tf.notifications.handle_event`` (the deliveries and in-app
    notifications), then send every mail due at ``now`` (default ``tf.clock.now()``).
    Works on memory and SQL storage. A handler that fails raises here (the event stays
    in the outbox for the next ``drain``). Mails held by quiet hours, the rate limit or a
    retry wait until the clock reaches them: ``tf.clock.advance(...)``, then ``drain``.

    The mails are read from ``tf.mailer``, which must be a ``RecordingMailer`` (what
    ``make_test_taskflow`` gives)."""
    mailer = tf.mailer
    if not isinstance(mailer, RecordingMailer):
        raise ConfigurationError(
            "drain(tf) reads the mails from tf.mailer, which must be a RecordingMailer: "
            "build tf with taskflow.testing.make_test_taskflow()."
        )
    already_sent = len(mailer.messages)
    events = _relay_and_dispatch(tf)
    while _run(tf.notifications.deliver_due(now)) > 0:
        pass
    return Drained(
        events=events,
        mails=[_sent(tf, message) for message in mailer.messages[already_sent:]],
        notifications=_in_app_notifications(tf, events),
    )


def _relay_and_dispatch(tf: TaskFlow) -> list[Event]:
    """The worker's relay, on an in-process queue, feeding the dispatcher directly."""
    queue = InProcessQueue()
    relay = OutboxRelay(tf.uow_factory, queue, tf.clock, retention=None)
    handled: list[Event] = []
    while True:
        relay.relay_once()
        messages = queue.receive(max_messages=100, timeout=0)
        if not messages:
            return handled
        for message in messages:
            tf.notifications.handle_event(message.event)
            handled.append(message.event)
        queue.ack_many(messages)
        relay.mark_settled()


def _in_app_notifications(tf: TaskFlow, events: Sequence[Event]) -> list[Notification]:
    event_ids = {event.id for event in events}
    users: dict[UUID, None] = {}
    for event in events:
        for delivery in tf.notifications.event_deliveries(event.id):
            if delivery.channel is Channel.IN_APP and delivery.user_id is not None:
                users[delivery.user_id] = None
    found: list[Notification] = []
    for user_id in users:
        cursor: str | None = None
        while True:
            page = tf.notifications.list(user_id, include_archived=True, limit=100, cursor=cursor)
            found.extend(n for n in page.items if n.event_id in event_ids)
            cursor = page.next_cursor
            if cursor is None:
                break
    return sorted(found, key=lambda n: (n.created_at, str(n.id)))


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end; from inside a running event loop (an async test),
    on a loop of its own in another thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _sent(tf: TaskFlow, message: EmailMessage) -> SentMail:
    delivery = tf.notifications.get_delivery(UUID(str(message["X-Taskflow-Delivery"])))
    return SentMail(type=delivery.type, message=message)


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return ""
    return str(part.get_content())
