"""A real SMTP server (aiosmtpd) on loopback whose answers a test can script, and a
TaskFlow whose mail goes to a port through the real SMTP adapter."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from taskflow import TaskFlow
from taskflow.adapters.smtp import SmtpMailer
from taskflow.notifications import NotificationConfig
from taskflow.testing import FakeClock, make_test_taskflow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    peer: object  # the client's (host, port): one per connection


@dataclass
class ScriptedHandler:
    """Accepts every message, unless ``answers`` holds replies to give first (one per
    DATA command, e.g. ``"451 4.3.0 try again later"``)."""

    answers: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    data_commands: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.data_commands += 1
        if self.answers:
            return self.answers.pop(0)
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(
            Received(
                str(envelope.mail_from),
                [str(r) for r in envelope.rcpt_tos],
                message,
                session.peer,
            )
        )
        return "250 2.0.0 Ok: queued"


class SmtpServer:
    """aiosmtpd on 127.0.0.1:``port``; ``start()``/``stop()`` may be called again."""

    def __init__(self, port: int, **options: Any) -> None:
        self.port = port
        self.handler = ScriptedHandler()
        self._options = options
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self._options
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received


def smtp_taskflow(port: int, clock: FakeClock, **config: Any) -> TaskFlow:
    mailer = SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=5)
    return make_test_taskflow(
        clock=clock,
        mailer=mailer,
        notification_config=NotificationConfig(
            mail_from="TaskFlow <no-reply@taskflow.test>", **config
        ),
    )
