"""The embedded default: with no SMTP server configured, each mail is an .eml file."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from taskflow import TaskFlow
from taskflow.adapters.mail_files import FileMailer
from taskflow.adapters.smtp import SmtpMailer
from taskflow.domain.models import Event
from taskflow.events import USER_SIGNUP
from taskflow.settings import Settings


def read(path: Path) -> EmailMessage:
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_each_message_becomes_one_eml_file_and_no_temporary_file_is_left(
    tmp_path: Path,
) -> None:
    # (That each arrives whole, in order, is in tests/contract/test_mailer_contract.py.)
    mailer = FileMailer(tmp_path / "mail")
    for n in range(3):
        mail = EmailMessage()
        mail["To"] = "sara@example.com"
        mail["Subject"] = f"پیام {n}"
        mail.set_content("متن")
        asyncio.run(mailer.send(mail))
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 3
    assert list((tmp_path / "mail").glob(".*")) == []  # no temporary file left behind


def test_from_settings_without_smtp_writes_mail_into_the_mail_dir(tmp_path: Path) -> None:
    settings = Settings(database_url="memory://", data_dir=tmp_path, _env_file=None)
    received: list[Event] = []

    with TaskFlow.from_settings(settings) as tf:
        tf.events.connect(USER_SIGNUP, received.append)
        assert isinstance(tf.mailer, FileMailer)
        tf.auth.signup(email="sara@example.com", password="correct horse 1", name="سارا")
        [event] = received
        tf.notifications.handle_event(event)
        assert asyncio.run(tf.notifications.deliver_due()) == 1

    [file] = (tmp_path / "mail").glob("*.eml")
    mail = read(file)
    assert mail["To"] == "sara@example.com"
    assert mail["Subject"] == "به TaskFlow خوش آمدید"


def test_from_settings_with_smtp_host_uses_the_smtp_adapter(tmp_path: Path) -> None:
    settings = Settings(
        database_url="memory://",
        data_dir=tmp_path,
        smtp_host="mail.example.com",
        smtp_port=465,
        smtp_tls="tls",
        smtp_username="bot",
        smtp_password="s3cret",
        _env_file=None,
    )
    with TaskFlow.from_settings(settings) as tf:
        assert isinstance(tf.mailer, SmtpMailer)
        assert (tf.mailer.host, tf.mailer.port, tf.mailer.security) == (
            "mail.example.com",
            465,
            "tls",
        )
        assert "s3cret" not in repr(tf.mailer)
