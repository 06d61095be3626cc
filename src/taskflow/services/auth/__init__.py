"""The auth service, ``tf.auth``: one front over three parts, each one idea.

- ``accounts``: sign-up, login and its lockout, the profile, a team's permissions, a
  password change;
- ``sessions``: the tokens of a login (refresh, logout, ``validate_token``,
  ``me_for_token``) and the list of sessions;
- ``one_time_tokens``: email verification and password reset;
- ``email_change``: an email change, confirmed from the new address, undoable from the
  old one;
- ``erasure``: the erasure of the accounts whose deletion is due (the worker's job).

``AuthService`` builds the three over the same storage and hands each call to its part,
so callers keep writing ``tf.auth.login(...)``. The user's guide is ``docs/auth.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from taskflow.config import AuthConfig
from taskflow.domain.notifications import DEFAULT_LANGUAGE
from taskflow.ports.services import Clock, PasswordHasher, Sealer, TokenStore
from taskflow.ports.unit_of_work import UnitOfWorkFactory
from taskflow.services.auth.accounts import AccountService
from taskflow.services.auth.email_change import EmailChangeService
from taskflow.services.auth.erasure import ErasureService
from taskflow.services.auth.one_time_tokens import OneTimeTokenService
from taskflow.services.auth.sessions import SessionService
from taskflow.services.read_models import (
    AccountProfile,
    AuthResult,
    Principal,
    SessionInfo,
    TeamPermissions,
    UserProfile,
)

__all__ = [
    "AccountService",
    "AuthService",
    "EmailChangeService",
    "ErasureService",
    "OneTimeTokenService",
    "SessionService",
]


class AuthService:
    """``tf.auth``: accounts, sessions and one-time tokens behind one object."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        tokens: TokenStore,
        hasher: PasswordHasher,
        clock: Clock,
        config: AuthConfig,
        *,
        sealer: Sealer,
        default_language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self.sessions = SessionService(uow, tokens, clock, config)
        self.accounts = AccountService(
            uow, self.sessions, hasher, clock, config, default_language=default_language
        )
        self.one_time_tokens = OneTimeTokenService(
            uow, self.sessions, hasher, clock, config, sealer=sealer
        )
        self.email_change = EmailChangeService(
            uow, self.accounts, self.sessions, clock, config, sealer=sealer
        )
        self.erasure = ErasureService(uow, self.sessions, clock)

    # --- accounts ---------------------------------------------------------------------

    def signup(
        self, *, email: str, password: str, name: str, language: str | None = None
    ) -> AuthResult:
        """See ``AccountService.signup``."""
        return self.accounts.signup(email=email, password=password, name=name, language=language)

    def login(self, *, email: str, password: str) -> AuthResult:
        """See ``AccountService.login``."""
        return self.accounts.login(email=email, password=password)

    def me(self, user_id: UUID) -> UserProfile:
        """See ``AccountService.me``."""
        return self.accounts.me(user_id)

    def get_user_permissions(self, user_id: UUID, team_id: UUID) -> TeamPermissions:
        """See ``AccountService.get_user_permissions``."""
        return self.accounts.get_user_permissions(user_id, team_id)

    def change_password(
        self,
        user_id: UUID,
        *,
        current_password: str,
        new_password: str,
        session_id: UUID | None = None,
    ) -> None:
        """See ``AccountService.change_password``."""
        self.accounts.change_password(
            user_id,
            current_password=current_password,
            new_password=new_password,
            session_id=session_id,
        )

    def profile(self, user_id: UUID) -> AccountProfile:
        """See ``AccountService.profile``."""
        return self.accounts.profile(user_id)

    def update_profile(self, user_id: UUID, **changes: Any) -> AccountProfile:
        """See ``AccountService.update_profile``."""
        return self.accounts.update_profile(user_id, **changes)

    def request_deletion(self, user_id: UUID, *, password: str) -> datetime:
        """See ``AccountService.request_deletion``."""
        return self.accounts.request_deletion(user_id, password=password)

    # --- email change -----------------------------------------------------------------

    def request_email_change(
        self, user_id: UUID, *, password: str, new_email: str, session_id: UUID | None = None
    ) -> None:
        """See ``EmailChangeService.request_email_change``."""
        self.email_change.request_email_change(
            user_id, password=password, new_email=new_email, session_id=session_id
        )

    def confirm_email_change(self, token: str) -> None:
        """See ``EmailChangeService.confirm_email_change``."""
        self.email_change.confirm_email_change(token)

    def undo_email_change(self, token: str) -> None:
        """See ``EmailChangeService.undo_email_change``."""
        self.email_change.undo_email_change(token)

    # --- upkeep -----------------------------------------------------------------------

    def erase_due(self, now: datetime | None = None) -> int:
        """See ``ErasureService.erase_due``: the worker runs it hourly."""
        return self.erasure.erase_due(now)

    def purge_expired(self) -> int:
        """Delete what can no longer matter: sessions and denied tokens past their expiry,
        and login counters idle for a day (their lock over). The worker runs it hourly;
        returns how many rows went."""
        purged = self.sessions.purge_expired()
        return purged + self.accounts.purge_stale_login_counters()

    # --- sessions ---------------------------------------------------------------------

    def validate_token(self, access_token: str) -> Principal:
        """See ``SessionService.validate_token``."""
        return self.sessions.validate_token(access_token)

    def me_for_token(self, access_token: str) -> tuple[Principal, UserProfile]:
        """See ``SessionService.me_for_token``."""
        return self.sessions.me_for_token(access_token)

    def refresh(self, refresh_token: str) -> AuthResult:
        """See ``SessionService.refresh``."""
        return self.sessions.refresh(refresh_token)

    def logout(self, access_token: str) -> None:
        """See ``SessionService.logout``."""
        self.sessions.logout(access_token)

    def list_sessions(self, user_id: UUID) -> list[SessionInfo]:
        """See ``SessionService.list_sessions``."""
        return self.sessions.list_sessions(user_id)

    def end_session(self, user_id: UUID, session_id: UUID) -> None:
        """See ``SessionService.end_session``."""
        self.sessions.end_session(user_id, session_id)

    def end_all_sessions(self, user_id: UUID, *, except_session_id: UUID | None = None) -> int:
        """See ``SessionService.end_all_sessions``."""
        return self.sessions.end_all_sessions(user_id, except_session_id=except_session_id)

    # --- one-time tokens --------------------------------------------------------------

    def request_email_verification(self, user_id: UUID) -> None:
        """See ``OneTimeTokenService.request_email_verification``."""
        self.one_time_tokens.request_email_verification(user_id)

    def verify_email(self, token: str) -> None:
        """See ``OneTimeTokenService.verify_email``."""
        self.one_time_tokens.verify_email(token)

    def request_password_reset(self, *, email: str) -> None:
        """See ``OneTimeTokenService.request_password_reset``."""
        self.one_time_tokens.request_password_reset(email=email)

    def reset_password(self, token: str, *, new_password: str) -> None:
        """See ``OneTimeTokenService.reset_password``."""
        self.one_time_tokens.reset_password(token, new_password=new_password)
