"""One-time tokens: email verification and password reset.

Both use tokens of 256 random bits, given out once (in the ``user.verify_email`` /
``user.password_reset`` event the mailer turns into a mail) and stored only as their
SHA-256 hash, with an expiry. A random token rather than a JWT because single use needs
a stored record anyway, and the record then carries everything: expiry, single use (one
conditional ``use`` update), and invalidation of the older ones; a leaked database gives
no usable link. ``request_password_reset`` answers the same (``None``) whether or not the
email has an account. Error messages never hold a password or a token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Final
from uuid import UUID

from taskflow.config import AuthConfig
from taskflow.domain.models import OneTimeToken, OneTimeTokenPurpose, User
from taskflow.errors import UserNotFound, VerificationTokenInvalid
from taskflow.events import USER_PASSWORD_RESET, USER_VERIFY_EMAIL, make_event
from taskflow.ids import new_id
from taskflow.ports.services import Clock, PasswordHasher, Sealer
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.services.auth.lockout import login_subject
from taskflow.services.auth.sessions import SessionService
from taskflow.validation import Email, InputModel, Password, validate

__all__ = ["MAX_ONE_TIME_TOKEN_LENGTH", "OneTimeTokenService", "hash_token", "new_token"]

_ONE_TIME_TOKEN_BYTES: Final = 32  # 256 bits
MAX_ONE_TIME_TOKEN_LENGTH: Final = 256


class _UserInput(InputModel):
    user_id: UUID


class _EmailInput(InputModel):
    email: Email


class _TokenInput(InputModel):
    token: str


class _ResetInput(InputModel):
    token: str
    new_password: Password


class OneTimeTokenService:
    """The email-verification and password-reset half of ``tf.auth``. Each public
    method is one unit of work; a reset then ends the user's sessions."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sessions: SessionService,
        hasher: PasswordHasher,
        clock: Clock,
        config: AuthConfig,
        *,
        sealer: Sealer,
    ) -> None:
        self._uow = uow
        self._sessions = sessions
        self._hasher = hasher
        self._clock = clock
        self._config = config
        self._sealer = sealer

    # --- password reset ---------------------------------------------------------------

    def request_password_reset(self, *, email: str) -> None:
        """Send a reset link if the email has an account (event ``user.password_reset``
        ``{user_id, email, sealed_token}``); answers ``None`` either way, so it reveals nothing.
        A malformed email is ``InvalidInput``. A locked account may ask too."""
        data = validate(_EmailInput, email=email)
        now = self._clock.now()
        token = new_token()  # made either way: same work
        with self._uow() as uow:
            user = uow.users.get_by_email(data.email)
            if user is None or user.is_hosted:  # the host owns a linked user's password
                return
            self._add(uow, user, OneTimeTokenPurpose.PASSWORD_RESET, token, now)
            payload = self._token_payload(user, token, USER_PASSWORD_RESET)
            uow.emit(make_event(USER_PASSWORD_RESET, payload, now))
            uow.commit()

    def reset_password(self, token: str, *, new_password: str) -> None:
        """Set a new password with a reset token: lifts any lockout, spends every other
        reset token of the user, and ends every session (logins start afresh).

        ``VerificationTokenInvalid`` for an unknown, used or expired token; a bad new
        password is ``InvalidInput`` and leaves the token unspent."""
        data = validate(_ResetInput, token=token, new_password=new_password)
        new_hash = self._hasher.hash(data.new_password)
        now = self._clock.now()
        with self._uow() as uow:
            user = self._spend(uow, data.token, OneTimeTokenPurpose.PASSWORD_RESET, now)
            if not uow.users.set_password_hash(user.id, new_hash, now, expected=None):
                raise VerificationTokenInvalid()  # the account was erased meanwhile
            uow.login_failures.clear(login_subject(user.email))
            uow.one_time_tokens.invalidate(user.id, OneTimeTokenPurpose.PASSWORD_RESET, now)
            uow.commit()
        self._sessions.end_user_sessions(user.id, now)

    # --- email verification -----------------------------------------------------------

    def request_email_verification(self, user_id: UUID) -> None:
        """Send a verification link (event ``user.verify_email`` ``{user_id, email,
        sealed_token}``), valid ``AuthConfig.email_verification_ttl``. Nothing is sent if the
        email is verified already. ``UserNotFound`` if there is no such user."""
        data = validate(_UserInput, user_id=user_id)
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.get(data.user_id)
            if user is None:
                raise UserNotFound()
            if user.email_verified:
                return
            token = new_token()
            self._add(uow, user, OneTimeTokenPurpose.VERIFY_EMAIL, token, now)
            payload = self._token_payload(user, token, USER_VERIFY_EMAIL)
            uow.emit(make_event(USER_VERIFY_EMAIL, payload, now))
            uow.commit()

    def verify_email(self, token: str) -> None:
        """Mark the email of the token's user verified. ``VerificationTokenInvalid`` for
        an unknown, used or expired token."""
        data = validate(_TokenInput, token=token)
        now = self._clock.now()
        with self._uow() as uow:
            user = self._spend(uow, data.token, OneTimeTokenPurpose.VERIFY_EMAIL, now)
            # Only the address the token was sent to: not one an email change set since.
            if not user.email_verified:
                uow.users.mark_verified(user.id, user.email, now)
            uow.commit()

    # --- the tokens -------------------------------------------------------------------

    def _token_payload(self, user: User, token: str, event_name: str) -> dict[str, str]:
        """The event's payload: the mail needs the token, but the outbox and the queue
        keep the event, so it travels sealed (only the worker opens it, to render)."""
        sealed = self._sealer.seal(token, purpose=event_name)
        return {"user_id": str(user.id), "email": user.email, "sealed_token": sealed}

    def _add(
        self,
        uow: UnitOfWork,
        user: User,
        purpose: OneTimeTokenPurpose,
        token: str,
        now: datetime,
    ) -> None:
        ttl = (
            self._config.email_verification_ttl
            if purpose is OneTimeTokenPurpose.VERIFY_EMAIL
            else self._config.password_reset_ttl
        )
        uow.one_time_tokens.add(
            OneTimeToken(
                id=new_id(),
                user_id=user.id,
                purpose=purpose,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + ttl,
            )
        )

    @staticmethod
    def _spend(uow: UnitOfWork, token: str, purpose: OneTimeTokenPurpose, now: datetime) -> User:
        """Use the token (once, if unexpired, for this purpose) and return its user."""
        if not token or len(token) > MAX_ONE_TIME_TOKEN_LENGTH:
            raise VerificationTokenInvalid()
        record = uow.one_time_tokens.get_by_hash(hash_token(token))
        if record is None or record.purpose is not purpose:
            raise VerificationTokenInvalid()
        if not uow.one_time_tokens.use(record.id, now):
            raise VerificationTokenInvalid()
        user = uow.users.get(record.user_id)
        if user is None:
            raise VerificationTokenInvalid()
        return user


def new_token() -> str:
    """A one-time token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(_ONE_TIME_TOKEN_BYTES)


def hash_token(token: str) -> str:
    """What is stored of a one-time token: its SHA-256, hex (256 random bits need no
    slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()
