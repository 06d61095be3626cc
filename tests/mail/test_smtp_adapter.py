"""The SMTP adapter on its own, against aiosmtpd: STARTTLS and implicit TLS with login,
a kept connection, timeouts, and how each failure is classified."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Iterator
from email.message import EmailMessage

import aiosmtplib
import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from smtp_server import SmtpServer, free_port
from taskflow import PermanentMailError, TransientMailError
from taskflow.adapters.smtp import SmtpMailer, classify_smtp_error


def message(to: str = "ali@example.com", subject: str = "سلام") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "TaskFlow <no-reply@taskflow.test>"
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content("متن فارسی")
    return mail


class Accounts:
    """An aiosmtpd authenticator knowing one account; remembers who logged in."""

    def __init__(self, login: str, password: str) -> None:
        self._login, self._password = login.encode(), password.encode()
        self.logins: list[str] = []

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and (data.login, data.password) == (
            self._login,
            self._password,
        ):
            self.logins.append(data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def accounts() -> Accounts:
    return Accounts("bot", "s3cret-pass")


@pytest.fixture
def starttls_server(server_tls: ssl.SSLContext, accounts: Accounts) -> Iterator[SmtpServer]:
    server = SmtpServer(
        free_port(),
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        authenticator=accounts,
    )
    server.start()
    yield server
    server.stop()


def send(mailer: SmtpMailer, *messages: EmailMessage) -> None:
    async def run() -> None:
        try:
            for each in messages:
                await mailer.send(each)
        finally:
            await mailer.aclose()

    asyncio.run(run())


def test_starttls_with_login_delivers(
    starttls_server: SmtpServer, client_tls: ssl.SSLContext, accounts: Accounts
) -> None:
    mailer = SmtpMailer(
        host="127.0.0.1",
        port=starttls_server.port,
        security="starttls",
        username="bot",
        password="s3cret-pass",
        tls_context=client_tls,
    )
    send(mailer, message())
    assert accounts.logins == ["bot"]
    [received] = starttls_server.received
    assert received.message["Subject"] == "سلام"
    assert received.rcpt_tos == ["ali@example.com"]


def test_a_wrong_password_is_a_permanent_failure_without_the_password_in_it(
    starttls_server: SmtpServer, client_tls: ssl.SSLContext
) -> None:
    mailer = SmtpMailer(
        host="127.0.0.1",
        port=starttls_server.port,
        security="starttls",
        username="bot",
        password="wrong-pass",
        tls_context=client_tls,
    )
    with pytest.raises(PermanentMailError) as raised:
        send(mailer, message())
    assert "535" in str(raised.value)
    assert "wrong-pass" not in str(raised.value)
    assert "wrong-pass" not in repr(mailer)
    assert starttls_server.received == []


def test_implicit_tls_delivers(server_tls: ssl.SSLContext, client_tls: ssl.SSLContext) -> None:
    server = SmtpServer(free_port(), ssl_context=server_tls)
    server.start()
    try:
        mailer = SmtpMailer(
            host="127.0.0.1", port=server.port, security="tls", tls_context=client_tls
        )
        send(mailer, message())
        assert len(server.received) == 1
    finally:
        server.stop()


def test_a_certificate_the_client_does_not_trust_is_refused(
    starttls_server: SmtpServer,
) -> None:
    mailer = SmtpMailer(host="127.0.0.1", port=starttls_server.port, security="starttls")
    with pytest.raises(TransientMailError):  # the default context checks certificates
        send(mailer, message())
    assert starttls_server.received == []


def test_starttls_required_but_not_offered_is_permanent(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer(host="127.0.0.1", port=smtp_server.port, security="starttls")
    with pytest.raises(PermanentMailError, match="STARTTLS"):
        send(mailer, message())  # never sent in clear text instead
    assert smtp_server.received == []


def test_messages_of_one_pass_share_one_connection(smtp_server: SmtpServer) -> None:
    mailer = SmtpMailer(host="127.0.0.1", port=smtp_server.port, security="none")
    send(mailer, message("a@example.com"), message("b@example.com"), message("c@example.com"))
    send(mailer, message("d@example.com"))
    peers = [r.peer for r in smtp_server.received]
    assert len(peers) == 4
    assert peers[0] == peers[1] == peers[2]
    assert peers[3] != peers[0]  # aclose() ended the first connection


def test_a_refused_connection_is_transient() -> None:
    mailer = SmtpMailer(host="127.0.0.1", port=free_port(), security="none", timeout=2)
    with pytest.raises(TransientMailError, match="cannot reach"):
        send(mailer, message())


def test_a_server_that_never_answers_times_out_as_transient() -> None:
    with socket.socket() as silent:  # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        mailer = SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=0.3)
        started = time.monotonic()
        with pytest.raises(TransientMailError):
            send(mailer, message())
        assert time.monotonic() - started < 5


def test_a_recipient_refused_for_good_is_permanent(smtp_server: SmtpServer) -> None:
    smtp_server.handler.answers = ["550 5.1.1 no such user"]
    mailer = SmtpMailer(host="127.0.0.1", port=smtp_server.port, security="none")
    with pytest.raises(PermanentMailError, match="550"):
        send(mailer, message())


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (aiosmtplib.SMTPResponseException(421, "service not available"), TransientMailError),
        (aiosmtplib.SMTPDataError(451, "try later"), TransientMailError),
        (aiosmtplib.SMTPDataError(552, "too big"), PermanentMailError),
        (aiosmtplib.SMTPSenderRefused(553, "bad sender", "x@y"), PermanentMailError),
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), PermanentMailError),
        (aiosmtplib.SMTPServerDisconnected("gone"), TransientMailError),
        (aiosmtplib.SMTPConnectError("refused"), TransientMailError),
        (aiosmtplib.SMTPConnectTimeoutError("slow"), TransientMailError),
        (aiosmtplib.SMTPReadTimeoutError("slow"), TransientMailError),
        (aiosmtplib.SMTPNotSupported("no STARTTLS"), PermanentMailError),
        (ConnectionRefusedError(111, "refused"), TransientMailError),
        (TimeoutError(), TransientMailError),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, "unknown", "a@example.com")]
            ),
            PermanentMailError,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(450, "mailbox busy", "a@example.com")]
            ),
            TransientMailError,
        ),
    ],
)
def test_each_failure_is_classified(error: BaseException, kind: type[Exception]) -> None:
    assert type(classify_smtp_error(error)) is kind
