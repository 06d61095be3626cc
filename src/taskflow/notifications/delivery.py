"""Sending the email and push deliveries: claim what is due, respect quiet hours and the
rate limit, render, send through the ``Mailer`` or the ``PushSender``, record the outcome.

One pass (``deliver_due``):

1. claim up to ``batch_size`` due deliveries (``sending`` under a fresh claim id until
   ``claim_timeout`` from now), of the channels this runner can send (email with a
   mailer, push with a push sender): two workers never claim the same row, and the rows
   of a worker that died come back when its claim runs out;
2. defer those in their recipient's quiet hours (to when they end) or over the rate limit
   of their channel (to when the window allows): never dropped;
3. send the others ONE AT A TIME, recording each outcome in its own transaction right
   after the server answered, so a crash can repeat at most the one message in flight.

Outcomes: accepted → ``sent``; a transient failure (``TransientMailError``,
``TransientPushError``, or any unexpected error) → ``deferred`` with jittered exponential
backoff (at least the push service's ``Retry-After``), or ``dead`` after
``max_attempts``; a permanent refusal (``PermanentMailError``, ``PermanentPushError``) or
a broken template → ``failed`` at once. ``dead`` and ``failed`` deliveries stay visible
and can be replayed.

A push delivery goes to each of the user's subscriptions, one at a time; each device
that accepted it is recorded in the row (``push_done``) right away, under the claim, so
a retry, a replay or another worker after a crash sends only to the devices that have
not had it. A subscription the push service says is gone (404, 410) is removed. The
delivery is ``sent`` when at least one device took it and none failed transiently.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from uuid import UUID

import attrs
from attrs import frozen

from taskflow.domain.notifications import (
    Channel,
    Delivery,
    DeliveryStatus,
    NotificationPreferences,
    NotificationType,
    PushSubscription,
)
from taskflow.errors import (
    Conflict,
    DeliveryNotFound,
    PermanentMailError,
    PermanentPushError,
    PushSubscriptionGone,
    StorageUnavailable,
    TransientMailError,
    TransientPushError,
)
from taskflow.ids import new_id
from taskflow.notifications.config import NotificationConfig
from taskflow.notifications.mime import Attachment, build_message
from taskflow.notifications.push import PUSH_DONE, build_payload, check_endpoint, topic
from taskflow.notifications.schedule import backoff_delay, quiet_hours_end, rate_limit_free_at
from taskflow.notifications.secret_links import (
    SECRET_CONTEXT_KEYS,
    SECRET_LINK_TYPES,
    render_context,
)
from taskflow.notifications.templates import TemplateError, TemplateRenderer
from taskflow.ports.notifications import Mailer, PushSender
from taskflow.ports.services import Clock, Sealer
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ["AttachmentSource", "DeliveryRunner", "build_message"]

logger = logging.getLogger(__name__)

AttachmentSource = Callable[[UnitOfWork, Delivery, datetime], Sequence[Attachment]]
"""What a mail of one type attaches, made when the mail is built, in the runner's unit of
work (the data export reads the user's data there: it is never stored on the way)."""

MAX_ERROR_LENGTH = 500
REPLAYABLE = frozenset({DeliveryStatus.FAILED, DeliveryStatus.DEAD})


@frozen
class _Ready:
    """A claimed delivery that may be sent now, with its rendered mail or push payload."""

    delivery: Delivery
    message: EmailMessage | None = None
    payload: bytes | None = None
    template_error: str | None = None


class DeliveryRunner:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        renderer: TemplateRenderer,
        config: NotificationConfig,
        mailer: Mailer | None,
        *,
        sealer: Sealer,
        push: PushSender | None = None,
        rng: random.Random | None = None,
        attachments: Mapping[NotificationType, AttachmentSource] | None = None,
    ) -> None:
        self._uow = uow
        self._attachments = dict(attachments or {})
        self._clock = clock
        self._renderer = renderer
        self._config = config
        self._mailer = mailer
        self._push = push
        self._sealer = sealer
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._channels = tuple(
            channel
            for channel, sender in ((Channel.EMAIL, mailer), (Channel.PUSH, push))
            if sender is not None
        )

    async def deliver_due(self, now: datetime | None = None, *, limit: int | None = None) -> int:
        """Send what is due at ``now`` (default: the clock); returns how many deliveries
        went (mails the server accepted, pushes at least one device's service took).
        Call it again and again (the worker does, every second or so)."""
        now = now or self._clock.now()
        claim_id = new_id()
        with self._uow() as uow:
            claimed = uow.deliveries.claim_due(
                now,
                claim_id=claim_id,
                claimed_until=now + self._config.claim_timeout,
                limit=limit or self._config.batch_size,
                channels=self._channels,
            )
            uow.commit()
        if not claimed:
            return 0
        ready = self._prepare(claimed, claim_id, now)
        # Stop sending half-way through the claim: what is left goes back to `pending`
        # for the next pass, rather than being sent after another worker took it over.
        stop_at = now + self._config.claim_timeout / 2
        sent = 0
        try:
            for index, item in enumerate(ready):
                if self._clock.now() >= stop_at:
                    self._give_back([rest.delivery for rest in ready[index:]], claim_id)
                    break
                if await self._send(item, claim_id):
                    sent += 1
        finally:
            await self._release(self._mailer)
            await self._release(self._push)
        return sent

    def _give_back(self, deliveries: Sequence[Delivery], claim_id: UUID) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            for delivery in deliveries:
                pending = attrs.evolve(
                    delivery,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=now,
                    updated_at=now,
                    claim_id=None,
                    claimed_until=None,
                )
                uow.deliveries.finish(pending, claim_id)
            uow.commit()
        logger.warning(
            "sending is slow: %d delivery(ies) given back for the next pass", len(deliveries)
        )

    @staticmethod
    async def _release(sender: object) -> None:
        """A sender may hold a connection across the sends of one pass (SMTP and Web
        Push do); it is released at the end of the pass, so nothing outlives the event
        loop."""
        close = getattr(sender, "aclose", None)
        if close is not None:
            try:
                await close()
            except Exception:
                logger.exception("closing the connection of %r failed", sender)

    def replay(self, delivery_id: UUID) -> Delivery:
        """Send a ``failed`` or ``dead`` delivery again, from a fresh count of attempts."""
        now = self._clock.now()
        with self._uow() as uow:
            delivery = uow.deliveries.get(delivery_id)
            if delivery is None:
                raise DeliveryNotFound()
            if delivery.status not in REPLAYABLE:
                raise Conflict(
                    f"Only a failed or dead delivery can be replayed; this one is "
                    f"{delivery.status.value}."
                )
            replayed = attrs.evolve(
                delivery,
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                updated_at=now,
                claim_id=None,
                claimed_until=None,
            )
            uow.deliveries.update(replayed)
            uow.commit()
        logger.info("delivery %s replayed", delivery_id)
        return replayed

    # --- One pass --------------------------------------------------------------------

    def _prepare(self, claimed: Sequence[Delivery], claim_id: UUID, now: datetime) -> list[_Ready]:
        """Defer what may not go now (quiet hours, rate limit); render the rest."""
        ready: list[_Ready] = []
        with self._uow() as uow:
            user_ids = [d.user_id for d in claimed if d.user_id is not None]
            preferences = uow.preferences.get_many(user_ids)
            window_sends: dict[tuple[str, str], list[datetime]] = defaultdict(list)
            for delivery in claimed:
                prefs = (
                    preferences.get(delivery.user_id) if delivery.user_id is not None else None
                ) or self._config.default_preferences(delivery.user_id or claim_id)
                hold_until, reason = self._hold(uow, delivery, prefs, window_sends, now)
                if hold_until is not None:
                    deferred = attrs.evolve(
                        delivery,
                        status=DeliveryStatus.DEFERRED,
                        next_attempt_at=hold_until,
                        last_error=reason,
                        updated_at=now,
                        claim_id=None,
                        claimed_until=None,
                    )
                    uow.deliveries.finish(deferred, claim_id)
                    logger.info("delivery %s deferred to %s: %s", delivery.id, hold_until, reason)
                    continue
                window_sends[_window_key(delivery)].append(now)
                if delivery.channel is Channel.PUSH:
                    ready.append(self._render_push(delivery, prefs))
                    continue
                try:
                    context = render_context(delivery.type, delivery.context, self._sealer)
                    rendered = self._renderer.mail(delivery.type, prefs.language, context)
                    source = self._attachments.get(delivery.type)
                    attachments = source(uow, delivery, now) if source is not None else ()
                    message = build_message(
                        delivery, rendered, self._config.mail_from, prefs.language, attachments
                    )
                except TemplateError as error:
                    ready.append(_Ready(delivery, None, template_error=str(error)))
                    continue
                except StorageUnavailable:
                    raise  # not the mail's fault: its claim runs out, and it is tried again
                except Exception as error:  # a mail that cannot be built never will be
                    logger.exception("cannot build the mail of delivery %s", delivery.id)
                    problem = f"cannot build the message: {type(error).__name__}: {error}"
                    ready.append(_Ready(delivery, None, template_error=problem))
                    continue
                ready.append(_Ready(delivery, message))
            uow.commit()
        return ready

    def _render_push(self, delivery: Delivery, prefs: NotificationPreferences) -> _Ready:
        try:
            rendered = self._renderer.push(delivery.type, prefs.language, delivery.context)
            payload = build_payload(delivery.id, delivery.type, rendered, delivery.context)
        except TemplateError as error:
            return _Ready(delivery, template_error=str(error))
        except Exception as error:  # a payload that cannot be built never will be
            logger.exception("cannot build the push of delivery %s", delivery.id)
            return _Ready(delivery, template_error=f"cannot build the push: {error!r}")
        return _Ready(delivery, payload=payload)

    def _hold(
        self,
        uow: UnitOfWork,
        delivery: Delivery,
        prefs: NotificationPreferences,
        window_sends: dict[tuple[str, str], list[datetime]],
        now: datetime,
    ) -> tuple[datetime | None, str]:
        if prefs.quiet_hours_start is not None and prefs.quiet_hours_end is not None:
            quiet_end = quiet_hours_end(
                now, prefs.quiet_hours_start, prefs.quiet_hours_end, prefs.timezone
            )
            if quiet_end is not None:
                return quiet_end, "quiet hours"
        if delivery.channel is Channel.PUSH:
            limit, window = self._config.push_rate_limit, self._config.push_rate_window
            what = "push notifications"
        else:
            limit, window = self._config.email_rate_limit, self._config.email_rate_window
            what = "mails"
        if limit > 0:
            key = _window_key(delivery)
            if key not in window_sends:
                window_sends[key] = list(
                    uow.deliveries.sent_since(delivery.recipient, delivery.channel, now - window)
                )
            free_at = rate_limit_free_at(window_sends[key], limit, window, now)
            if free_at is not None:
                return free_at, f"rate limit: {limit} {what} per {window}"
        return None, ""

    async def _send(self, item: _Ready, claim_id: UUID) -> bool:
        delivery = item.delivery
        attempts = delivery.attempts + 1
        if item.template_error is not None:
            self._finish(
                delivery,
                claim_id,
                DeliveryStatus.FAILED,
                attempts=attempts,
                error=item.template_error,
            )
            return False
        if item.payload is not None:
            return await self._send_push(delivery, item.payload, claim_id)
        # An email delivery: claimed only with a mailer, and rendered (no template error).
        assert self._mailer is not None  # noqa: S101
        assert item.message is not None  # noqa: S101
        try:
            await self._mailer.send(item.message)
        except PermanentMailError as error:
            self._finish(
                delivery, claim_id, DeliveryStatus.FAILED, attempts=attempts, error=str(error)
            )
            return False
        except Exception as error:  # anything else is worth a retry
            if not isinstance(error, TransientMailError):
                logger.exception("unexpected error sending delivery %s", delivery.id)
            self._retry_later(delivery, claim_id, attempts, str(error) or type(error).__name__)
            return False
        self._finish(delivery, claim_id, DeliveryStatus.SENT, attempts=attempts, error=None)
        return True

    def _retry_later(
        self,
        delivery: Delivery,
        claim_id: UUID,
        attempts: int,
        message: str,
        at_least: float | None = None,
    ) -> None:
        """After a transient failure: ``deferred`` with backoff (at least ``at_least``
        seconds), or ``dead`` after ``max_attempts``."""
        if attempts >= self._config.max_attempts:
            self._finish(delivery, claim_id, DeliveryStatus.DEAD, attempts=attempts, error=message)
            return
        delay = backoff_delay(attempts, self._config.retry_base, self._config.retry_max, self._rng)
        if at_least is not None:
            delay = max(delay, timedelta(seconds=min(at_least, 86400.0)))
        self._finish(
            delivery,
            claim_id,
            DeliveryStatus.DEFERRED,
            attempts=attempts,
            error=message,
            retry_at=self._clock.now() + delay,
        )

    # --- Push ------------------------------------------------------------------------

    async def _send_push(self, delivery: Delivery, payload: bytes, claim_id: UUID) -> bool:
        """Send to each subscription that has not had it; see the module."""
        assert self._push is not None  # noqa: S101 - push is claimed only with a sender
        attempts = delivery.attempts + 1
        done = [str(key) for key in delivery.context.get(PUSH_DONE) or ()]
        targets = [s for s in self._subscriptions(delivery) if str(s.id) not in done]
        transient: Exception | None = None
        refused: str | None = None
        gone = 0
        for subscription in targets:
            try:
                check_endpoint(subscription.endpoint, self._config.push_hosts)
                await self._push.send(
                    subscription,
                    payload,
                    ttl=int(self._config.push_ttl.total_seconds()),
                    topic=topic(delivery.id),
                )
            except PushSubscriptionGone:
                self._remove_subscription(subscription)
                gone += 1
                continue
            except (PermanentPushError, ValueError) as error:
                refused = f"subscription {subscription.id}: {error}"
                logger.warning("push of delivery %s refused: %s", delivery.id, refused)
                continue
            except Exception as error:  # anything else is worth a retry
                if not isinstance(error, TransientPushError):
                    logger.exception("unexpected error pushing delivery %s", delivery.id)
                transient = error
                continue
            done.append(str(subscription.id))
            delivery = attrs.evolve(delivery, context={**delivery.context, PUSH_DONE: list(done)})
            if not self._record_progress(delivery, claim_id):
                return False  # the claim ran out: another worker has the rest
        if transient is not None:
            retry_after = getattr(transient, "retry_after", None)
            message = str(transient) or type(transient).__name__
            self._retry_later(delivery, claim_id, attempts, message, at_least=retry_after)
            return False
        if done:
            self._finish(delivery, claim_id, DeliveryStatus.SENT, attempts=attempts, error=refused)
            return True
        problem = refused or (
            "every push subscription of the user has expired"
            if gone
            else "the user has no push subscription"
        )
        self._finish(delivery, claim_id, DeliveryStatus.FAILED, attempts=attempts, error=problem)
        return False

    def _subscriptions(self, delivery: Delivery) -> list[PushSubscription]:
        if delivery.user_id is None:
            return []
        with self._uow(read_only=True) as uow:
            return list(uow.push_subscriptions.list_for_user(delivery.user_id))

    def _remove_subscription(self, subscription: PushSubscription) -> None:
        with self._uow() as uow:
            removed = uow.push_subscriptions.remove(subscription.id)
            uow.commit()
        if removed:
            logger.info("push subscription %s has expired: removed", subscription.id)

    def _record_progress(self, delivery: Delivery, claim_id: UUID) -> bool:
        """Store which devices have the push, keeping the claim (``sending``)."""
        with self._uow() as uow:
            stored = uow.deliveries.finish(
                attrs.evolve(delivery, updated_at=self._clock.now()), claim_id
            )
            uow.commit()
        if not stored:
            logger.warning("delivery %s: the claim ran out during the push", delivery.id)
        return stored

    def _finish(
        self,
        delivery: Delivery,
        claim_id: UUID,
        status: DeliveryStatus,
        *,
        attempts: int,
        error: str | None,
        retry_at: datetime | None = None,
    ) -> None:
        now = self._clock.now()
        context = delivery.context
        if status is DeliveryStatus.SENT and delivery.type in SECRET_LINK_TYPES:
            context = {k: v for k, v in context.items() if k not in SECRET_CONTEXT_KEYS}
        outcome = attrs.evolve(
            delivery,
            status=status,
            attempts=attempts,
            last_error=error[:MAX_ERROR_LENGTH] if error is not None else delivery.last_error,
            next_attempt_at=retry_at or delivery.next_attempt_at,
            sent_at=now if status is DeliveryStatus.SENT else None,
            updated_at=now,
            context=context,
            claim_id=None,
            claimed_until=None,
        )
        with self._uow() as uow:
            stored = uow.deliveries.finish(outcome, claim_id)
            uow.commit()
        if not stored:
            logger.warning(
                "delivery %s: the claim ran out before the outcome (%s) was recorded; "
                "another worker has it",
                delivery.id,
                status.value,
            )
        elif status is DeliveryStatus.SENT:
            logger.info("delivery %s sent (attempt %d)", delivery.id, attempts)
        else:
            logger.warning(
                "delivery %s %s (attempt %d): %s", delivery.id, status.value, attempts, error
            )


def _window_key(delivery: Delivery) -> tuple[str, str]:
    """The rate limit counts per recipient and channel."""
    return delivery.recipient, delivery.channel.value
