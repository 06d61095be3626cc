"""Settings to a mailer: SMTP when ``SMTP_HOST`` is set, else ``.eml`` files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.errors import ConfigurationError
from taskflow.ports.notifications import Mailer
from taskflow.version import pip_install

if TYPE_CHECKING:
    from taskflow.settings import Settings

__all__ = ["build_mailer"]


def build_mailer(settings: Settings) -> Mailer:
    """SMTP when ``SMTP_HOST`` is set (the ``smtp`` extra), else ``.eml`` files in
    ``TASKFLOW_MAIL_DIR``."""
    if not settings.uses_smtp:
        from taskflow.adapters.mail_files import FileMailer  # noqa: PLC0415

        return FileMailer(settings.resolved_mail_dir())
    try:
        from taskflow.adapters.smtp import SmtpMailer  # noqa: PLC0415 - an extra
    except ModuleNotFoundError as error:
        raise ConfigurationError(
            f"SMTP_HOST is set, which needs the optional dependency {error.name!r}: "
            f"install it with: {pip_install('smtp')}"
        ) from None
    password = settings.smtp_password
    return SmtpMailer(
        host=settings.smtp_host or "",
        port=settings.smtp_port,
        security=settings.smtp_tls,
        username=settings.smtp_username,
        password=password.get_secret_value() if password is not None else None,
        timeout=settings.smtp_timeout,
    )
