"""The Celery side of bench/notify.py: the same mail work done by a Celery task.

The task renders the same Jinja2 template (taskflow's ``TemplateRenderer``, Persian
``task.assigned``), builds the same MIME message (``build_message``) and sends it with the
same SMTP client (taskflow's ``SmtpMailer`` on aiosmtplib, one kept connection, driven by
one event loop per worker process). It runs in a separate virtualenv that has Celery
(Celery is not a dependency of taskflow)::

    /tmp/bench-venv/bin/python bench/celery_notify_app.py enqueue N   # N messages
    /tmp/bench-venv/bin/celery -A celery_notify_app worker -P solo ...  # the worker

Configuration comes from the environment: BENCH_REDIS_URL, BENCH_SMTP_PORT, BENCH_QUEUE.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from typing import Any

from celery import Celery

from taskflow.adapters.smtp import SmtpMailer
from taskflow.domain.notifications import (
    Channel,
    Delivery,
    DeliveryStatus,
    NotificationType,
)
from taskflow.ids import new_id
from taskflow.notifications.delivery import build_message
from taskflow.notifications.templates import TemplateRenderer

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SMTP_PORT = int(os.environ.get("BENCH_SMTP_PORT", "8025"))
QUEUE = os.environ.get("BENCH_QUEUE", "bench-notify")
MAIL_FROM = "TaskFlow <no-reply@example.com>"

app = Celery("celery_notify_app", broker=REDIS_URL)
app.conf.update(
    task_default_queue=QUEUE,
    task_acks_late=True,  # like taskflow: acknowledged once the mail was sent
    worker_prefetch_multiplier=4,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
)

_renderer = TemplateRenderer()
_mailer = SmtpMailer(host="127.0.0.1", port=SMTP_PORT, security="none", timeout=30)
_loop = asyncio.new_event_loop()


@app.task(name="bench.send_assignment")
def send_assignment(context: dict[str, Any], email: str, user_id: str) -> None:
    now = datetime.now(UTC)
    delivery = Delivery(
        id=new_id(),
        event_id=new_id(),
        recipient=user_id,
        channel=Channel.EMAIL,
        type=NotificationType.TASK_ASSIGNED,
        user_id=None,
        email=email,
        context=context,
        status=DeliveryStatus.SENDING,
        created_at=now,
        updated_at=now,
        next_attempt_at=now,
    )
    rendered = _renderer.mail(NotificationType.TASK_ASSIGNED, "fa", context)
    message = build_message(delivery, rendered, MAIL_FROM, "fa")
    _loop.run_until_complete(_mailer.send(message))


def enqueue(count: int) -> None:
    """What the application does when it assigns a task: one Celery message each."""
    for n in range(count):
        context = {
            "recipient_name": f"Member {n % 10}",
            "title": f"bench-{n:05d}",
            "task_id": str(new_id()),
            "team_id": str(new_id()),
            "due_date": None,
            "link": f"http://localhost:8000/tasks/{n}",
            "assigned_by": "Owner",
        }
        send_assignment.delay(context, f"member{n % 10}@example.com", str(new_id()))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "enqueue":
        enqueue(int(sys.argv[2]))
    else:
        sys.exit("usage: celery_notify_app.py enqueue N")
