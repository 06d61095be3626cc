"""Plain configuration of the notification system (built from ``Settings`` by the
composition root, or by hand)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Final
from uuid import UUID

from attrs import field, frozen
from attrs.validators import in_

from taskflow.domain.notifications import DEFAULT_LANGUAGE, LANGUAGES, NotificationPreferences

__all__ = ["DEFAULT_LINK_PATHS", "DEFAULT_PUSH_HOSTS", "NotificationConfig", "check_link_path"]

DEFAULT_LINK_PATHS: Final = {
    "invite": "/invites/accept",
    "verify_email": "/verify-email",
    "reset_password": "/reset-password",
    "email_change": "/email-change/confirm",
    "email_change_undo": "/email-change/undo",
    "task": "/tasks/{id}",
}
"""The pages of the web client the links in mails open (``?token=`` is appended to all
but ``task``; ``{id}`` is the task's id)."""

DEFAULT_PUSH_HOSTS: Final = (
    "fcm.googleapis.com",
    "*.push.services.mozilla.com",
    "*.push.apple.com",
    "*.notify.windows.com",
)
"""The push services of Chrome/Edge/Opera/Samsung (FCM), Firefox, Safari and Windows."""

_PATH: Final = re.compile(r"^/[^\s?{}]*$")


def check_link_path(path: str, *, with_id: bool = False) -> str:
    """``path`` if it can be a link's path: starts with ``/``, no space, no ``?`` (the
    token is appended as ``?token=``); with ``with_id``, exactly one ``{id}``. Raises
    ``ValueError`` otherwise."""
    bare = path.replace("{id}", "", 1) if with_id else path
    if with_id and "{id}" not in path:
        raise ValueError(f"{path!r} must contain {{id}}, e.g. /tasks/{{id}}")
    if not _PATH.match(bare):
        raise ValueError(f"{path!r} is not a path: write e.g. /invites/accept (no ?, no spaces)")
    return path


def _link_path(_instance: object, attribute: object, value: str) -> None:
    check_link_path(value, with_id=getattr(attribute, "name", "") == "task_path")


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
    - ``app_name``: the product's name in every template (``{{ app_name }}``).
    - ``default_language``: the language of a user who chose none (at sign-up or in
      their preferences), and of an invitee without an account: ``fa`` or ``en``.
    - ``invite_path``, ``verify_email_path``, ``reset_password_path``,
      ``email_change_path`` (mailed to the new address), ``email_change_undo_path``
      (mailed to the old one): the pages the links with a token open
      (``{app_url}{path}?token=...``); ``task_path``: a task's page, with ``{id}``.
    - ``push_rate_limit`` per ``push_rate_window``: at most that many push notifications
      per user (each reaches all their devices); the excess is deferred (0: no limit).
      Push shares ``max_attempts``, the backoff and ``claim_timeout`` with mail.
    - ``push_ttl``: how long a push service keeps a message for a device that is offline.
    - ``push_hosts``: the push services a subscription's endpoint may name (``https://``
      only; ``*.`` allows the subdomains; ``*`` alone allows any host). The server posts
      to the endpoints it is given, so this keeps it from being pointed anywhere else.
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
    app_name: str = "TaskFlow"
    default_language: str = field(default=DEFAULT_LANGUAGE, validator=in_(LANGUAGES))
    invite_path: str = field(default=DEFAULT_LINK_PATHS["invite"], validator=_link_path)
    verify_email_path: str = field(default=DEFAULT_LINK_PATHS["verify_email"], validator=_link_path)
    reset_password_path: str = field(
        default=DEFAULT_LINK_PATHS["reset_password"], validator=_link_path
    )
    email_change_path: str = field(default=DEFAULT_LINK_PATHS["email_change"], validator=_link_path)
    email_change_undo_path: str = field(
        default=DEFAULT_LINK_PATHS["email_change_undo"], validator=_link_path
    )
    task_path: str = field(default=DEFAULT_LINK_PATHS["task"], validator=_link_path)
    push_rate_limit: int = 30
    push_rate_window: timedelta = timedelta(hours=1)
    push_ttl: timedelta = timedelta(days=1)
    push_hosts: tuple[str, ...] = DEFAULT_PUSH_HOSTS

    def link(self, path: str) -> str:
        """``app_url`` + ``path`` (``path`` starts with ``/``)."""
        return f"{self.app_url.rstrip('/')}{path}"

    def task_link(self, task_id: UUID) -> str:
        return self.link(self.task_path.replace("{id}", str(task_id)))

    def default_preferences(self, user_id: UUID) -> NotificationPreferences:
        """The preferences of a user who stored none: every mail, no quiet hours, UTC,
        and ``default_language``."""
        return NotificationPreferences(user_id=user_id, language=self.default_language)
