"""The auth service, ``tf.auth``: one front over three parts, each one idea.

- ``accounts``: sign-up, login and its lockout, the profile, a team's permissions, a
  password change;
- ``sessions``: the tokens of a login (refresh, logout, ``validate_token``,
  ``me_for_token``) and the list of sessions;
- ``one_time_tokens``: email verification and password reset.

``AuthService`` builds the three over the same storage and hands each call to its part,
so callers keep writing ``tf.auth.login(...)``. The user's guide is ``docs/auth.md``.
"""

from __future__ import annotations

from uuid import UUID

from taskflow.config import AuthConfig
from taskflow.ports.services import Clock, PasswordHasher, Sealer, TokenStore
from taskflow.ports.unit_of_work import UnitOfWorkFactory
from taskflow.services.auth.accounts import AccountService
from taskflow.services.auth.one_time_tokens import OneTimeTokenService
from taskflow.services.auth.sessions import SessionService
from taskflow.services.read_models import (
    AuthResult,
    Principal,
    SessionInfo,
    TeamPermissions,
    UserProfile,
)

__all__ = ["AccountService", "AuthService", "OneTimeTokenService", "SessionService"]


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
    ) -> None:
        self.sessions = SessionService(uow, tokens, clock, config)
        self.accounts = AccountService(uow, self.sessions, hasher, clock, config)
        self.one_time_tokens = OneTimeTokenService(
            uow, self.sessions, hasher, clock, config, sealer=sealer
        )

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

    # --- upkeep -----------------------------------------------------------------------

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
