"""Plain configuration of the services, built by the composition root from ``Settings``
(or by hand, in tests and custom set-ups). No environment is read here."""

from __future__ import annotations

from datetime import timedelta

from attrs import field, frozen
from pydantic import SecretStr

__all__ = ["AuthConfig", "ExportConfig", "InviteConfig", "PasswordHashingConfig"]


@frozen
class PasswordHashingConfig:
    """argon2id parameters; the defaults are OWASP's (m=19 MiB, t=2, p=1)."""

    memory_cost_kib: int = 19 * 1024
    time_cost: int = 2
    parallelism: int = 1


@frozen
class AuthConfig:
    jwt_secret: SecretStr = field(repr=False)
    refresh_secret: SecretStr = field(repr=False)
    jwt_algorithm: str = "HS256"
    issuer: str = "taskflow"
    audience: str = "taskflow"
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=7)
    lockout_threshold: int = 5
    lockout_duration: timedelta = timedelta(minutes=15)
    email_verification_ttl: timedelta = timedelta(days=2)
    password_reset_ttl: timedelta = timedelta(hours=1)
    email_change_ttl: timedelta = timedelta(days=2)
    """How long the link mailed to the new address confirms an email change."""
    email_change_undo_ttl: timedelta = timedelta(days=7)
    """How long the link mailed to the old address undoes a completed email change."""
    deletion_grace: timedelta = timedelta(days=7)
    """Between a deletion request and the erasure; a login in between cancels it."""
    previous_jwt_secrets: tuple[SecretStr, ...] = field(default=(), repr=False)
    """Access-token secrets of before the last rotation: tokens they signed are still
    accepted until they expire; nothing new is signed with them."""
    previous_refresh_secrets: tuple[SecretStr, ...] = field(default=(), repr=False)
    """The same for refresh tokens."""


@frozen
class InviteConfig:
    ttl: timedelta = timedelta(days=7)
    sender_limit: int = 50
    """Invites one user may send per ``sender_window`` (0: no limit): creating a team is
    free, so without it anyone could have invitation mail sent to any addresses."""
    sender_window: timedelta = timedelta(hours=1)


@frozen
class ExportConfig:
    interval: timedelta = timedelta(hours=24)
    """The least time between two data exports of one user: each one reads all their
    data and mails it, so asking again and again must not be free."""
