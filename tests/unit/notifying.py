"""Helpers of the notification tests (imported by them; not a test module)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from email.message import EmailMessage
from uuid import UUID

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.domain.models import Event


def deliver(tf: TaskFlow, now: datetime | None = None) -> int:
    """One pass of the delivery runner, as the worker makes it."""
    return asyncio.run(tf.notifications.deliver_due(now))


def handle_last(tf: TaskFlow, events: RecordingEventPublisher, name: str) -> Event:
    """Hand the last published event called ``name`` to the dispatcher; returns it."""
    event = events.named(name)[-1]
    tf.notifications.handle_event(event)
    return event


def email_of(tf: TaskFlow, user_id: UUID) -> str:
    return tf.auth.me(user_id).email


def subject(message: EmailMessage) -> str:
    return str(message["Subject"])


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())
