"""``tf.notifications``: the in-app inbox, preferences, and the entry points the worker
calls.

For the user (``actor_id`` first, like every service):

- ``list(actor_id, *, unread_only=False, include_archived=False, limit=50, cursor=None)``
  → ``Page[Notification]``, newest first (keyset cursor);
- ``unread_count(actor_id)`` → int (archived ones do not count);
- ``mark_read(actor_id, notification_id)`` → ``Notification``;
  ``mark_all_read(actor_id)`` → how many; ``archive(actor_id, notification_id)``;
- ``get_preferences(actor_id)`` / ``update_preferences(actor_id, **changes)`` →
  ``NotificationPreferences`` (changes among ``email`` = {type: bool}, ``push`` =
  {type: bool}, ``quiet_hours_start``, ``quiet_hours_end``, ``timezone``, ``language``);
- Web Push: ``push_public_key()`` (the VAPID key the client subscribes with),
  ``subscribe_push(actor_id, *, endpoint, p256dh, auth)`` → ``PushSubscription`` (one
  per device), ``push_subscriptions(actor_id)``, ``unsubscribe_push(actor_id,
  subscription_id)`` and ``unsubscribe_push_endpoint(actor_id, endpoint)``;
  ``PushUnavailable`` when this system has no ``PushSender``.

For the worker and operators (no actor: guard them in your application):

- ``handle_event(event)``: the event's deliveries and in-app notifications, once;
- ``await deliver_due(now=None)``: send the mails and pushes that are due; returns how
  many went;
- ``run_due_soon(now=None)``: the ``task.due_soon`` job; returns how many tasks;
- ``deliveries(status=None, limit=50, cursor=None)``, ``get_delivery(id)``,
  ``replay(delivery_id)``: the notification log, and sending a dead/failed mail again.

A notification of another user is ``NotificationNotFound``, as if it did not exist.
"""

from __future__ import annotations

import builtins
import random
from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Annotated, Any
from uuid import UUID

import attrs
from pydantic import Field, field_validator, model_validator

from taskflow.domain.models import Event
from taskflow.domain.notifications import (
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreferences,
    NotificationType,
    PushSubscription,
)
from taskflow.domain.queries import TimeKey
from taskflow.errors import (
    ConfigurationError,
    DeliveryNotFound,
    InvalidInput,
    NotificationNotFound,
    PushSubscriptionNotFound,
    PushUnavailable,
)
from taskflow.ids import new_id
from taskflow.notifications.config import NotificationConfig
from taskflow.notifications.delivery import AttachmentSource, DeliveryRunner
from taskflow.notifications.dispatcher import NotificationDispatcher
from taskflow.notifications.due_soon import DueSoonJob
from taskflow.notifications.push import check_endpoint, check_key
from taskflow.notifications.routing import PUSH_TYPES
from taskflow.notifications.templates import TemplateRenderer
from taskflow.pagination import CursorCodec, Page
from taskflow.ports.notifications import Mailer, PushSender
from taskflow.ports.services import Clock, Sealer
from taskflow.ports.unit_of_work import UnitOfWorkFactory
from taskflow.validation import InputModel, Language, TimeZoneName, validate

__all__ = ["MAX_PAGE_SIZE", "MAX_PUSH_SUBSCRIPTIONS", "NotificationService"]

MAX_PAGE_SIZE = 100
MAX_PUSH_SUBSCRIPTIONS = 20
"""Devices per user; subscribing one more drops the oldest (a browser that was wiped
never unsubscribes)."""

PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


class _ListInput(InputModel):
    unread_only: bool = False
    include_archived: bool = False
    limit: PageSize = 50
    cursor: str | None = None


class _DeliveryListInput(InputModel):
    status: DeliveryStatus | None = Field(default=None, strict=False)
    limit: PageSize = 50
    cursor: str | None = None


class _PreferencesInput(InputModel):
    """PATCH: only the fields given change. Times accept ``"22:00"``."""

    email: dict[str, bool] | None = None
    push: dict[str, bool] | None = None
    quiet_hours_start: Annotated[time | None, Field(strict=False)] = None
    quiet_hours_end: Annotated[time | None, Field(strict=False)] = None
    timezone: TimeZoneName | None = None
    language: Language | None = None

    @field_validator("email")
    @classmethod
    def _known_types(cls, value: dict[str, bool] | None) -> dict[str, bool] | None:
        if value is None:
            return None
        for name in value:
            try:
                kind = NotificationType(name)
            except ValueError:
                raise ValueError(f"{name!r} is not a notification type") from None
            if not kind.email_can_be_turned_off:
                raise ValueError(f"the {name} mail cannot be turned off")
        return value

    @field_validator("push")
    @classmethod
    def _push_types(cls, value: dict[str, bool] | None) -> dict[str, bool] | None:
        for name in value or {}:
            if name not in PUSH_TYPES:
                known = ", ".join(PUSH_TYPES)
                raise ValueError(f"{name!r} is not sent by push (the push types: {known})")
        return value

    @field_validator("quiet_hours_start", "quiet_hours_end")
    @classmethod
    def _wall_clock(cls, value: time | None) -> time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("is a wall-clock time without a time zone (use timezone)")
        return value.replace(second=0, microsecond=0) if value is not None else None

    @model_validator(mode="after")
    def _quiet_hours_pair(self) -> _PreferencesInput:
        start, end = self.quiet_hours_start, self.quiet_hours_end
        given = self.model_fields_set
        if ("quiet_hours_start" in given) != ("quiet_hours_end" in given):
            raise ValueError("give quiet_hours_start and quiet_hours_end together")
        if (start is None) != (end is None):
            raise ValueError("quiet_hours_start and quiet_hours_end are both set or both null")
        if start is not None and start == end:
            raise ValueError("quiet hours must not start and end at the same time")
        return self


class _SubscriptionInput(InputModel):
    """``PushSubscription.toJSON()`` of the browser: the endpoint and the two keys."""

    endpoint: Annotated[str, Field(min_length=10, max_length=2000)]
    p256dh: Annotated[str, Field(min_length=80, max_length=100)]
    auth: Annotated[str, Field(min_length=16, max_length=30)]

    @field_validator("p256dh")
    @classmethod
    def _public_key(cls, value: str) -> str:
        return check_key(value, length=65, point=True)

    @field_validator("auth")
    @classmethod
    def _auth_secret(cls, value: str) -> str:
        return check_key(value, length=16)


class NotificationService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        sealer: Sealer,
        cursors: CursorCodec,
        config: NotificationConfig | None = None,
        mailer: Mailer | None = None,
        renderer: TemplateRenderer | None = None,
        rng: random.Random | None = None,
        attachments: Mapping[NotificationType, AttachmentSource] | None = None,
        push: PushSender | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._cursors = cursors
        self.config = config or NotificationConfig()
        self.mailer = mailer
        self.push = push
        self.renderer = renderer or TemplateRenderer(
            self.config.template_dir,
            app_name=self.config.app_name,
            default_language=self.config.default_language,
        )
        self._dispatcher = NotificationDispatcher(
            uow, clock, self.renderer, self.config, push=push is not None
        )
        self._due_soon = DueSoonJob(uow, clock)
        self._runner = (
            DeliveryRunner(
                uow,
                clock,
                self.renderer,
                self.config,
                mailer,
                sealer=sealer,
                push=push,
                rng=rng,
                attachments=attachments,
            )
            if mailer is not None or push is not None
            else None
        )

    # --- The inbox -------------------------------------------------------------------

    def list(
        self,
        actor_id: UUID,
        *,
        unread_only: bool = False,
        include_archived: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Notification]:
        data = validate(
            _ListInput,
            unread_only=unread_only,
            include_archived=include_archived,
            limit=limit,
            cursor=cursor,
        )
        before = self._cursors.decode_time(data.cursor) if data.cursor is not None else None
        with self._uow(read_only=True) as uow:
            page = uow.notifications.list_for_user(
                actor_id,
                unread_only=data.unread_only,
                include_archived=data.include_archived,
                before=before,
                limit=data.limit,
            )
        return Page(
            items=list(page.items), next_cursor=self._next_cursor(page.items, page.has_more)
        )

    def unread_count(self, actor_id: UUID) -> int:
        with self._uow(read_only=True) as uow:
            return uow.notifications.count_unread(actor_id)

    def mark_read(self, actor_id: UUID, notification_id: UUID) -> Notification:
        with self._uow() as uow:
            self._own(uow.notifications.get(notification_id), actor_id)
            uow.notifications.mark_read(notification_id, self._clock.now())
            updated = uow.notifications.get(notification_id)
            uow.commit()
        assert updated is not None  # noqa: S101 - read back inside the same unit
        return updated

    def mark_all_read(self, actor_id: UUID) -> int:
        with self._uow() as uow:
            count = uow.notifications.mark_all_read(actor_id, self._clock.now())
            uow.commit()
        return count

    def archive(self, actor_id: UUID, notification_id: UUID) -> None:
        with self._uow() as uow:
            self._own(uow.notifications.get(notification_id), actor_id)
            uow.notifications.archive(notification_id, self._clock.now())
            uow.commit()

    @staticmethod
    def _own(notification: Notification | None, actor_id: UUID) -> Notification:
        if notification is None or notification.user_id != actor_id:
            raise NotificationNotFound()
        return notification

    # --- Preferences -----------------------------------------------------------------

    def get_preferences(self, actor_id: UUID) -> NotificationPreferences:
        with self._uow(read_only=True) as uow:
            stored = uow.preferences.get(actor_id)
        return stored or self.config.default_preferences(actor_id)

    def update_preferences(self, actor_id: UUID, **changes: Any) -> NotificationPreferences:
        data = validate(_PreferencesInput, **changes)
        given = data.model_fields_set
        with self._uow() as uow:
            current = uow.preferences.get(actor_id) or self.config.default_preferences(actor_id)
            updates: dict[str, Any] = {"updated_at": self._clock.now()}
            if data.email is not None:
                off = set(current.email_off)
                for name, enabled in data.email.items():
                    (off.discard if enabled else off.add)(NotificationType(name))
                updates["email_off"] = frozenset(off)
            if data.push is not None:
                push_off = set(current.push_off)
                for name, enabled in data.push.items():
                    (push_off.discard if enabled else push_off.add)(NotificationType(name))
                updates["push_off"] = frozenset(push_off)
            if "quiet_hours_start" in given:
                updates["quiet_hours_start"] = data.quiet_hours_start
                updates["quiet_hours_end"] = data.quiet_hours_end
            if data.timezone is not None:
                updates["timezone"] = data.timezone
            if data.language is not None:
                updates["language"] = data.language
            updated = attrs.evolve(current, **updates)
            uow.preferences.put(updated)
            uow.commit()
        return updated

    # --- Web Push subscriptions -------------------------------------------------------

    def push_public_key(self) -> str:
        """The VAPID public key (base64url): the ``applicationServerKey`` a client passes
        to ``PushManager.subscribe``."""
        return self._require_push().public_key

    def subscribe_push(
        self, actor_id: UUID, *, endpoint: str, p256dh: str, auth: str
    ) -> PushSubscription:
        """Receive push on one more device (the browser's ``PushSubscription``). The same
        endpoint again replaces its keys (and its user: a browser is one user's at a
        time); past ``MAX_PUSH_SUBSCRIPTIONS`` devices the oldest is dropped."""
        self._require_push()
        data = validate(_SubscriptionInput, endpoint=endpoint, p256dh=p256dh, auth=auth)
        try:
            check_endpoint(data.endpoint, self.config.push_hosts)
        except ValueError as error:
            message = f"endpoint {error}"
            raise InvalidInput(message, [{"field": "endpoint", "message": str(error)}]) from None
        with self._uow() as uow:
            stored = uow.push_subscriptions.put(
                PushSubscription(
                    id=new_id(),
                    user_id=actor_id,
                    endpoint=data.endpoint,
                    p256dh=data.p256dh,
                    auth=data.auth,
                    created_at=self._clock.now(),
                )
            )
            devices = uow.push_subscriptions.list_for_user(actor_id)
            for oldest in devices[: max(len(devices) - MAX_PUSH_SUBSCRIPTIONS, 0)]:
                uow.push_subscriptions.remove(oldest.id)
            uow.commit()
        return stored

    def push_subscriptions(self, actor_id: UUID) -> builtins.list[PushSubscription]:
        """The caller's devices, oldest first."""
        with self._uow(read_only=True) as uow:
            return list(uow.push_subscriptions.list_for_user(actor_id))

    def unsubscribe_push(self, actor_id: UUID, subscription_id: UUID) -> None:
        """Stop push to one device; someone else's is ``PushSubscriptionNotFound``."""
        with self._uow() as uow:
            found = uow.push_subscriptions.get(subscription_id)
            if found is None or found.user_id != actor_id:
                raise PushSubscriptionNotFound()
            uow.push_subscriptions.remove(subscription_id)
            uow.commit()

    def unsubscribe_push_endpoint(self, actor_id: UUID, endpoint: str) -> bool:
        """Stop push to the device of ``endpoint`` (what a browser knows of itself);
        returns whether the caller had it. Idempotent."""
        with self._uow() as uow:
            found = uow.push_subscriptions.get_by_endpoint(endpoint)
            if found is None or found.user_id != actor_id:
                return False
            uow.push_subscriptions.remove(found.id)
            uow.commit()
        return True

    def _require_push(self) -> PushSender:
        if self.push is None:
            raise PushUnavailable()
        return self.push

    # --- The worker's entry points ---------------------------------------------------

    def handle_event(self, event: Event) -> None:
        """Deliveries and in-app notifications of one event; idempotent (see
        ``taskflow.notifications.dispatcher``). Raises if storage fails: retry it."""
        self._dispatcher.handle_event(event)

    async def deliver_due(self, now: datetime | None = None, *, limit: int | None = None) -> int:
        """Send the mails and pushes due at ``now`` (default: the clock); returns how
        many went."""
        return await self._require_runner().deliver_due(now, limit=limit)

    def run_due_soon(self, now: datetime | None = None) -> int:
        """The ``task.due_soon`` job; returns how many tasks it announced."""
        return self._due_soon.run(now)

    # --- The notification log --------------------------------------------------------

    def deliveries(
        self, *, status: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page[Delivery]:
        data = validate(_DeliveryListInput, status=status, limit=limit, cursor=cursor)
        before = self._cursors.decode_time(data.cursor) if data.cursor is not None else None
        with self._uow(read_only=True) as uow:
            page = uow.deliveries.list(status=data.status, before=before, limit=data.limit)
        return Page(
            items=list(page.items), next_cursor=self._next_cursor(page.items, page.has_more)
        )

    def get_delivery(self, delivery_id: UUID) -> Delivery:
        with self._uow(read_only=True) as uow:
            delivery = uow.deliveries.get(delivery_id)
        if delivery is None:
            raise DeliveryNotFound()
        return delivery

    def event_deliveries(self, event_id: UUID) -> builtins.list[Delivery]:
        """Every delivery of one event (what happened to it)."""
        with self._uow(read_only=True) as uow:
            return list(uow.deliveries.for_event(event_id))

    def replay(self, delivery_id: UUID) -> Delivery:
        """Put a ``dead`` or ``failed`` delivery back to ``pending`` (attempts from 0)."""
        return self._require_runner().replay(delivery_id)

    def _next_cursor(
        self, items: Sequence[Notification] | Sequence[Delivery], has_more: bool
    ) -> str | None:
        if not has_more or not items:
            return None
        last = items[-1]
        return self._cursors.encode_time(TimeKey(created_at=last.created_at, id=last.id))

    def _require_runner(self) -> DeliveryRunner:
        if self._runner is None:
            raise ConfigurationError(
                "No mailer nor push sender is configured: build TaskFlow with mailer=... "
                "(or from_settings)."
            )
        return self._runner
