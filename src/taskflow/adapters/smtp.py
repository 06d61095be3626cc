"""The ``Mailer`` on an SMTP server, with aiosmtplib (the ``smtp`` extra).

- Security: ``starttls`` (upgrade a plain connection; port 587), ``tls`` (implicit TLS;
  port 465) or ``none`` (a loopback test server only). Certificates are verified.
- Login when a username is given; every command waits at most ``timeout`` seconds.
- One connection is kept open and reused for the next messages (one at a time) until
  ``aclose()``, which the delivery runner calls at the end of each pass; any failure
  drops it, and the next send connects again.
- Errors are classified for the delivery runner: connection refused, timeouts, a dropped
  connection and 4xx answers are ``TransientMailError`` (retried later); 5xx answers
  (and a server lacking a required extension) are ``PermanentMailError``. A recipient
  list refused with any 5xx is permanent. Messages hold the server's answer, never the
  password.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from email.message import EmailMessage
from typing import Literal

import aiosmtplib

from taskflow.errors import MailError, PermanentMailError, TransientMailError

__all__ = ["SmtpMailer", "classify_smtp_error"]

logger = logging.getLogger(__name__)

Security = Literal["starttls", "tls", "none"]


class SmtpMailer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in {"starttls", "tls", "none"}:
            raise ValueError(f"unknown SMTP security {security!r}")
        self.host = host
        self.port = port
        self.security: Security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self._tls_context = tls_context
        self._client: aiosmtplib.SMTP | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None

    def __repr__(self) -> str:
        return f"SmtpMailer(host={self.host!r}, port={self.port}, security={self.security!r})"

    async def send(self, message: EmailMessage) -> None:
        async with self._lock_for_this_loop():
            try:
                client = await self._connected()
                await client.send_message(message)
            except Exception as error:
                await self._drop()
                raise classify_smtp_error(error) from error

    async def aclose(self) -> None:
        """Say QUIT and close the kept connection (if any)."""
        client, self._client = self._client, None
        if client is None:
            return
        protocol = client.protocol
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
        await _closed(protocol)

    # --- The kept connection ---------------------------------------------------------

    def _lock_for_this_loop(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop: the old connection is unusable
            stale, self._client = self._client, None
            if stale is not None:
                with contextlib.suppress(RuntimeError):  # its loop may be closed
                    stale.close()
            self._loop, self._lock = loop, asyncio.Lock()
        assert self._lock is not None  # noqa: S101 - set just above
        return self._lock

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        # Connect, then STARTTLS and login as separate steps: when one of those fails we
        # still hold the connection and can close it completely (aiosmtplib's all-in-one
        # connect() forgets it, leaving a TLS socket to close after the loop has ended).
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            use_tls=self.security == "tls",
            start_tls=False,
            tls_context=self._tls_context,
        )
        try:
            await client.connect()  # TCP (and TLS for "tls"), greeting, EHLO
        except BaseException:
            await asyncio.sleep(_SETTLE)  # a refused TLS handshake closes its socket
            raise
        protocol = client.protocol
        try:
            if self.security == "starttls":
                await self._start_tls(client)
            if self.username is not None:
                await client.login(self.username, self._password or "")
        except BaseException:
            client.close()  # a half-open connection (refused certificate or login)
            await _closed(protocol)
            raise
        self._client = client
        return client

    async def _start_tls(self, client: aiosmtplib.SMTP) -> None:
        """Upgrade to TLS, or refuse to go on (never send in clear text instead)."""
        await client.ehlo()  # what the server offers
        if not client.supports_extension("starttls"):
            raise aiosmtplib.SMTPNotSupported("the server does not offer STARTTLS")
        if self._tls_context is not None:
            await client.starttls(tls_context=self._tls_context)
        else:
            await client.starttls()  # the system's trusted certificates, host name checked

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            protocol = client.protocol
            client.close()
            await _closed(protocol)


_SETTLE = 0.02
"""Seconds given to a failed connection attempt to finish closing its socket."""


async def _closed(protocol: object, limit: float = 2.0) -> None:
    """Wait (briefly) until the connection is really gone. aiosmtplib's ``close()`` only
    starts closing; over TLS the shutdown takes a few more loop turns, and an event loop
    ended before that leaves the socket open (a ResourceWarning)."""
    if protocol is None:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while getattr(protocol, "transport", None) is not None and loop.time() < deadline:
        await asyncio.sleep(0.005)


def classify_smtp_error(error: BaseException) -> MailError:
    """Transient (retry later) or permanent (refused for good); see the module."""
    if isinstance(error, MailError):
        return error
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in error.recipients]
        text = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)
        if any(500 <= code < 600 for code in codes):
            return PermanentMailError(f"recipients refused: {text}")
        return TransientMailError(f"recipients refused for now: {text}")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        answer = f"{error.code} {error.message}".strip()
        if 500 <= error.code < 600:
            return PermanentMailError(f"the server refused the message: {answer}")
        return TransientMailError(f"the server deferred the message: {answer}")
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return PermanentMailError(f"the server does not support what is required: {error}")
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        return TransientMailError(f"the SMTP server did not answer in time: {error}")
    if isinstance(error, (aiosmtplib.SMTPException, OSError)):
        return TransientMailError(f"cannot reach the SMTP server: {error}")
    return TransientMailError(f"unexpected error while sending: {type(error).__name__}: {error}")
