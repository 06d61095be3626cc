"""Plain configuration of the notification system (built from ``Settings`` by the
composition root, or by hand)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from attrs import frozen

__all__ = ["NotificationConfig"]


@frozen
class NotificationConfig:
    """How notifications are written and sent.

    - ``mail_from``: the ``From`` of every mail.
    - ``app_url``: the base of the links in mails (``{app_url}/tasks/{id}``...).
    - ``template_dir``: a folder searched before the shipped templates (overrides).
    - ``max_attempts``: transient failures after which a delivery is ``dead``.
    - ``retry_base`` / ``retry_max``: the backoff after the n-th failure is
      ``min(retry_max, retry_base * 2**(n-1))``, jittered down to half of it at random.
    - ``email_rate_limit`` per ``email_rate_window``: at most that many mails per user;
      the excess is deferred to when the window allows it (0: no limit).
    - ``claim_timeout``: how long a worker holds a delivery it is sending; after that a
      crashed worker's deliveries are taken by another. Must exceed the slowest send.
    - ``batch_size``: deliveries claimed per ``deliver_due`` pass.
    """

    mail_from: str = "TaskFlow <no-reply@localhost>"
    app_url: str = "http://localhost:8000"
    template_dir: Path | None = None
    max_attempts: int = 8
    retry_base: timedelta = timedelta(seconds=30)
    retry_max: timedelta = timedelta(hours=1)
    email_rate_limit: int = 30
    email_rate_window: timedelta = timedelta(hours=1)
    claim_timeout: timedelta = timedelta(minutes=5)
    batch_size: int = 50
