"""The MIME message of a delivery: what a mail client reads back, on the fast path and on
the email package's own path (non-ASCII addresses)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage

import pytest

from taskflow.domain.notifications import Channel, Delivery, DeliveryStatus, NotificationType
from taskflow.ids import new_id
from taskflow.notifications.mime import build_message
from taskflow.notifications.templates import RenderedMail

NOW = datetime(2024, 2, 1, tzinfo=UTC)
MAIL = RenderedMail(
    subject="تسک <script> گزارش ماهانهٔ تیم طراحی با عنوانی بلند که تا می‌خورد به شما اختصاص داده شد",
    text="سلام سارا،\n\nمتن فارسی\n",
    html='<html lang="fa" dir="rtl"><body><p>&lt;script&gt; گزارش</p></body></html>\n',
)


def delivery(email: str) -> Delivery:
    return Delivery(
        id=new_id(),
        event_id=new_id(),
        recipient="r",
        channel=Channel.EMAIL,
        type=NotificationType.TASK_ASSIGNED,
        user_id=None,
        email=email,
        context={},
        status=DeliveryStatus.PENDING,
        created_at=NOW,
        updated_at=NOW,
        next_attempt_at=NOW,
    )


def as_received(message: EmailMessage, *, smtputf8: bool = False) -> EmailMessage:
    """What the server gets: the bytes an SMTP client sends, parsed again."""
    wire = message.as_bytes(policy=policy.SMTP.clone(utf8=smtputf8))
    if smtputf8:  # an SMTPUTF8 server reads the headers as UTF-8
        parsed = message_from_string(wire.decode("utf-8"), policy=policy.default)
    else:
        assert wire.isascii()  # 7-bit clean: any SMTP server takes it
        parsed = message_from_bytes(wire, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize(
    ("email", "on_the_wire", "smtputf8"),
    [
        ("sara@example.com", "sara@example.com", False),
        ("sara@exämple.com", "sara@xn--exmple-cua.com", False),  # IDNA
        ("سارا@example.com", "سارا@example.com", True),  # needs SMTPUTF8
    ],
)
def test_a_client_reads_back_every_header_and_part(
    email: str, on_the_wire: str, smtputf8: bool
) -> None:
    item = delivery(email)
    message = build_message(item, MAIL, "تسک‌فلو <no-reply@taskflow.test>", "fa")
    for mail in (message, as_received(message, smtputf8=smtputf8)):
        assert mail["Subject"] == MAIL.subject
        assert mail["From"].addresses[0].display_name == "تسک‌فلو"
        assert mail["From"].addresses[0].addr_spec == "no-reply@taskflow.test"
        assert mail["To"].addresses[0].addr_spec == on_the_wire
        assert mail["Message-ID"] == f"<{item.id}@taskflow.test>"
        assert mail["X-Taskflow-Delivery"] == str(item.id)
        assert mail["Content-Language"] == "fa"
        assert mail.get_content_type() == "multipart/alternative"
        text, html = mail.get_body(("plain",)), mail.get_body(("html",))
        assert text is not None
        assert html is not None
        assert text.get_content() == MAIL.text
        assert html.get_content() == MAIL.html


def test_a_subject_with_line_breaks_cannot_add_a_header() -> None:
    mail = RenderedMail(subject="Hi\r\nBcc: victim@example.com", text="x\n", html="<p>x</p>\n")
    message = as_received(build_message(delivery("a@example.com"), mail, "a@b.test", "en"))
    assert message["Bcc"] is None
    assert message["Subject"] == "Hi Bcc: victim@example.com"


def test_a_sender_without_a_domain_still_gets_a_valid_message_id() -> None:
    item = delivery("a@example.com")
    message = build_message(item, MAIL, "TaskFlow <no-reply@localhost>", "fa")
    assert message["Message-ID"] == f"<{item.id}@taskflow.invalid>"
