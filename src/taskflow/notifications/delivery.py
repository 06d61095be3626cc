"""Sending the email deliveries: claim what is due, respect quiet hours and the rate
limit, render, send through the ``Mailer``, record the outcome.

One pass (``deliver_due``):

1. claim up to ``batch_size`` due deliveries (``sending`` under a fresh claim id until
   ``claim_timeout`` from now): two workers never claim the same row, and the rows of a
   worker that died come back when its claim runs out;
2. defer those in their recipient's quiet hours (to when they end) or over the rate limit
   (to when the window allows): never dropped;
3. send the others ONE AT A TIME, recording each outcome in its own transaction right
   after the server answered, so a crash can repeat at most the one mail in flight.

Outcomes: accepted → ``sent``; a transient failure (``TransientMailError``, or any
unexpected error) → ``deferred`` with jittered exponential backoff, or ``dead`` after
``max_attempts``; a permanent refusal (``PermanentMailError``) or a broken template →
``failed`` at once. ``dead`` and ``failed`` deliveries stay visible and can be replayed.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage
from uuid import UUID

import attrs
from attrs import frozen

from taskflow.domain.notifications import (
    Delivery,
    DeliveryStatus,
    NotificationPreferences,
    NotificationType,
)
from taskflow.errors import (
    Conflict,
    DeliveryNotFound,
    PermanentMailError,
    StorageUnavailable,
    TransientMailError,
)
from taskflow.ids import new_id
from taskflow.notifications.config import NotificationConfig
from taskflow.notifications.mime import Attachment, build_message
from taskflow.notifications.schedule import backoff_delay, quiet_hours_end, rate_limit_free_at
from taskflow.notifications.secret_links import (
    SECRET_CONTEXT_KEYS,
    SECRET_LINK_TYPES,
    render_context,
)
from taskflow.notifications.templates import TemplateError, TemplateRenderer
from taskflow.ports.notifications import Mailer
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
    """A claimed delivery that may be sent now, with its rendered message."""

    delivery: Delivery
    message: EmailMessage | None
    template_error: str | None = None


class DeliveryRunner:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        renderer: TemplateRenderer,
        config: NotificationConfig,
        mailer: Mailer,
        *,
        sealer: Sealer,
        rng: random.Random | None = None,
        attachments: Mapping[NotificationType, AttachmentSource] | None = None,
    ) -> None:
        self._uow = uow
        self._attachments = dict(attachments or {})
        self._clock = clock
        self._renderer = renderer
        self._config = config
        self._mailer = mailer
        self._sealer = sealer
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    async def deliver_due(self, now: datetime | None = None, *, limit: int | None = None) -> int:
        """Send what is due at ``now`` (default: the clock); returns how many mails the
        server accepted. Call it again and again (the worker does, every second or so)."""
        now = now or self._clock.now()
        claim_id = new_id()
        with self._uow() as uow:
            claimed = uow.deliveries.claim_due(
                now,
                claim_id=claim_id,
                claimed_until=now + self._config.claim_timeout,
                limit=limit or self._config.batch_size,
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
            await self._release_mailer()
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

    async def _release_mailer(self) -> None:
        """A mailer may hold a connection across the sends of one pass (SMTP does); it
        is released at the end of the pass, so nothing outlives the event loop."""
        close = getattr(self._mailer, "aclose", None)
        if close is not None:
            try:
                await close()
            except Exception:
                logger.exception("closing the mailer's connection failed")

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
            window_sends: dict[str, list[datetime]] = defaultdict(list)
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
                window_sends[delivery.recipient].append(now)
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

    def _hold(
        self,
        uow: UnitOfWork,
        delivery: Delivery,
        prefs: NotificationPreferences,
        window_sends: dict[str, list[datetime]],
        now: datetime,
    ) -> tuple[datetime | None, str]:
        if prefs.quiet_hours_start is not None and prefs.quiet_hours_end is not None:
            quiet_end = quiet_hours_end(
                now, prefs.quiet_hours_start, prefs.quiet_hours_end, prefs.timezone
            )
            if quiet_end is not None:
                return quiet_end, "quiet hours"
        limit, window = self._config.email_rate_limit, self._config.email_rate_window
        if limit > 0:
            if delivery.recipient not in window_sends:
                window_sends[delivery.recipient] = list(
                    uow.deliveries.sent_since(delivery.recipient, delivery.channel, now - window)
                )
            free_at = rate_limit_free_at(window_sends[delivery.recipient], limit, window, now)
            if free_at is not None:
                return free_at, f"rate limit: {limit} mails per {window}"
        return None, ""

    async def _send(self, item: _Ready, claim_id: UUID) -> bool:
        delivery = item.delivery
        attempts = delivery.attempts + 1
        if item.message is None:
            self._finish(
                delivery,
                claim_id,
                DeliveryStatus.FAILED,
                attempts=attempts,
                error=item.template_error,
            )
            return False
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
            message = str(error) or type(error).__name__
            if attempts >= self._config.max_attempts:
                self._finish(
                    delivery, claim_id, DeliveryStatus.DEAD, attempts=attempts, error=message
                )
            else:
                delay = backoff_delay(
                    attempts, self._config.retry_base, self._config.retry_max, self._rng
                )
                retry_at = self._clock.now() + delay
                self._finish(
                    delivery,
                    claim_id,
                    DeliveryStatus.DEFERRED,
                    attempts=attempts,
                    error=message,
                    retry_at=retry_at,
                )
            return False
        self._finish(delivery, claim_id, DeliveryStatus.SENT, attempts=attempts, error=None)
        return True

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
