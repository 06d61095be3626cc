"""From a domain event to delivery rows and in-app notifications, exactly once.

``handle_event`` is what the worker's consumer calls for every event it receives. It is
idempotent: every (event, recipient, channel) becomes at most one row of the
notification log, unique in storage, and an in-app notification is written only with the
row that was actually inserted, in the same transaction. A redelivered event (the queue
gives it again after a crash) therefore adds nothing and sends nothing.

A push delivery is written for a user who has at least one push subscription and did
not turn the type's push off (and only when this system sends push at all); its context
holds no secret (``taskflow.notifications.push``).
"""

from __future__ import annotations

import logging

from taskflow.domain.models import Event
from taskflow.domain.notifications import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreferences,
)
from taskflow.ids import new_id
from taskflow.notifications.config import NotificationConfig
from taskflow.notifications.push import public_data, push_context
from taskflow.notifications.routing import Planned, plan_notifications
from taskflow.notifications.templates import TemplateError, TemplateRenderer
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ["NotificationDispatcher"]

logger = logging.getLogger(__name__)


class NotificationDispatcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        renderer: TemplateRenderer,
        config: NotificationConfig,
        *,
        push: bool = False,
    ) -> None:
        """``push``: whether push deliveries are written (a ``PushSender`` is there)."""
        self._uow = uow
        self._clock = clock
        self._renderer = renderer
        self._config = config
        self._push = push

    def handle_event(self, event: Event) -> None:
        """Write the event's deliveries and in-app notifications (once; see the module)."""
        with self._uow() as uow:
            if uow.deliveries.for_event(event.id):
                logger.debug("event %s (%s) was handled already", event.id, event.name)
                return
            plans = plan_notifications(event, uow, self._config)
            user_ids = [plan.user_id for plan in plans if plan.user_id is not None]
            preferences = uow.preferences.get_many(user_ids)
            now = self._clock.now()
            for plan in plans:
                prefs = (
                    preferences.get(plan.user_id) if plan.user_id is not None else None
                ) or self._config.default_preferences(plan.user_id or new_id())
                for channel in plan.channels:
                    if channel is Channel.EMAIL and (
                        plan.email is None or not prefs.wants_email(plan.type)
                    ):
                        continue  # the user turned this mail off: no row, nothing sent
                    if channel is Channel.PUSH and not self._wants_push(uow, plan, prefs):
                        continue
                    in_app = channel is Channel.IN_APP
                    delivery = Delivery(
                        id=new_id(),
                        event_id=event.id,
                        recipient=plan.recipient,
                        channel=channel,
                        type=plan.type,
                        user_id=plan.user_id,
                        email=plan.email if channel is Channel.EMAIL else None,
                        context=self._context(channel, plan),
                        status=DeliveryStatus.SENT if in_app else DeliveryStatus.PENDING,
                        created_at=now,
                        updated_at=now,
                        next_attempt_at=now,
                        attempts=1 if in_app else 0,
                        sent_at=now if in_app else None,
                    )
                    if not uow.deliveries.add(delivery):
                        continue  # another worker handled this event at the same time
                    if in_app and plan.user_id is not None:
                        uow.notifications.add(
                            Notification(
                                id=new_id(),
                                user_id=plan.user_id,
                                type=plan.type,
                                text=self._in_app_text(plan, prefs.language),
                                data=public_data(plan.context),
                                event_id=event.id,
                                created_at=now,
                            )
                        )
            uow.commit()

    def _wants_push(self, uow: UnitOfWork, plan: Planned, prefs: NotificationPreferences) -> bool:
        """Push on, for a user who has not turned this type off and has a device."""
        return (
            self._push
            and plan.user_id is not None
            and prefs.wants_push(plan.type)
            and bool(uow.push_subscriptions.list_for_user(plan.user_id))
        )

    def _context(self, channel: Channel, plan: Planned) -> dict[str, object]:
        if channel is Channel.EMAIL:
            return plan.context
        if channel is Channel.PUSH:
            return push_context(plan.type, plan.context, self._config)
        return {}

    def _in_app_text(self, plan: Planned, language: str) -> str:
        """The subject template's text; a broken (overriding) template must not block
        the event, so it falls back to the type and title, and is logged."""
        try:
            return self._renderer.subject(plan.type, language, plan.context)
        except TemplateError:
            logger.exception("the in-app text of %s could not be rendered", plan.type.value)
            title = plan.context.get("title") or plan.context.get("team") or ""
            return f"{plan.type.value}: {title}".rstrip(": ")
