"""The Mailer port's contract, on every mailer: the recording one of
``taskflow.testing``, the .eml ``FileMailer`` (the embedded default) and ``SmtpMailer``
against a real SMTP server (aiosmtpd). A message ``send`` accepted arrives whole: its
headers, its non-ASCII text, its HTML alternative, in the order sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import attrs
import pytest

from smtp_server import SmtpServer
from taskflow.adapters.mail_files import FileMailer
from taskflow.adapters.smtp import SmtpMailer
from taskflow.ports.notifications import Mailer
from taskflow.testing import RecordingMailer


@attrs.frozen
class MailerUnderTest:
    mailer: Mailer
    delivered: Callable[[], list[EmailMessage]]
    """What reached the other end (the recorded list, the files, the SMTP server)."""


def _read(path: Path) -> EmailMessage:
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.fixture(params=["recording", "files", "smtp"])
def mailer_under_test(request: pytest.FixtureRequest, tmp_path: Path) -> MailerUnderTest:
    if request.param == "recording":
        recording = RecordingMailer()
        return MailerUnderTest(recording, lambda: list(recording.messages))
    if request.param == "files":
        folder = tmp_path / "mail"
        return MailerUnderTest(
            FileMailer(folder), lambda: [_read(f) for f in sorted(folder.glob("*.eml"))]
        )
    server: SmtpServer = request.getfixturevalue("smtp_server")
    smtp = SmtpMailer(host="127.0.0.1", port=server.port, security="none", timeout=5)
    return MailerUnderTest(smtp, lambda: [r.message for r in server.received])


def _send(mailer: Mailer, messages: Sequence[EmailMessage]) -> None:
    async def run() -> None:
        for each in messages:
            await mailer.send(each)
        if isinstance(mailer, SmtpMailer):
            await mailer.aclose()

    asyncio.run(run())


def _message(n: int) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "TaskFlow <no-reply@taskflow.test>"
    mail["To"] = "سارا <sara@example.com>"
    mail["Subject"] = f"پیام {n}"
    mail.set_content(f"متن فارسی {n}")
    mail.add_alternative(f"<p>متن <b>فارسی</b> {n}</p>", subtype="html")
    return mail


def test_each_message_sent_arrives_whole_in_order(mailer_under_test: MailerUnderTest) -> None:
    sent = [_message(n) for n in range(3)]
    _send(mailer_under_test.mailer, sent)
    delivered = mailer_under_test.delivered()
    assert [m["Subject"] for m in delivered] == ["پیام 0", "پیام 1", "پیام 2"]
    for n, message in enumerate(delivered):
        assert message["To"].addresses[0].addr_spec == "sara@example.com"
        assert message["To"].addresses[0].display_name == "سارا"
        assert message["From"].addresses[0].addr_spec == "no-reply@taskflow.test"
        plain = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        assert plain is not None
        assert html is not None
        assert plain.get_content().strip() == f"متن فارسی {n}"
        assert html.get_content().strip() == f"<p>متن <b>فارسی</b> {n}</p>"


def test_nothing_arrives_before_anything_is_sent(mailer_under_test: MailerUnderTest) -> None:
    assert mailer_under_test.delivered() == []
