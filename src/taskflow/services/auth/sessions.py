"""Sessions and their tokens: open one at login, refresh, log out, validate an access
token, list and end sessions.

- Every login (sign-up included) opens a session: one refresh-token family in the
  ``TokenStore``. Refresh tokens live ``refresh_token_ttl`` (7 days) counted from the
  login: a session has a fixed end, refreshing does not extend it. Each refresh rotates
  the family's token; presenting an already-used refresh token is taken as theft and ends
  the whole session (``RefreshTokenReused``), so the thief's newer token dies too. The
  price: a client that retries a refresh whose answer it lost is taken for a thief and
  must log in again (no grace period, on purpose).
- Access tokens live ``access_token_ttl`` (15 minutes). ``validate_token`` refuses a
  token whose ``jti`` was denied (logout) or whose session ended (logout, reuse, password
  change or reset, "end session"), so ending a session takes effect at once.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from taskflow.config import AuthConfig
from taskflow.domain.models import Session
from taskflow.errors import (
    InvalidToken,
    RefreshTokenReused,
    SessionNotFound,
    TokenExpired,
    TokenRevoked,
)
from taskflow.ids import new_id
from taskflow.ports.services import AccessProfileReader, Clock, TokenStore
from taskflow.ports.unit_of_work import UnitOfWorkFactory
from taskflow.security.tokens import TokenClaims, TokenCodec, TokenType
from taskflow.services.auth.profiles import profile_in, read_profile
from taskflow.services.read_models import AuthResult, Principal, SessionInfo, UserProfile
from taskflow.validation import InputModel, validate

__all__ = ["SessionService"]


class _UserInput(InputModel):
    user_id: UUID


class _SessionInput(InputModel):
    user_id: UUID
    session_id: UUID


class _EndAllInput(InputModel):
    user_id: UUID
    except_session_id: UUID | None


class SessionService:
    """The session half of ``tf.auth``. Token-store calls are atomic on their own."""

    def __init__(
        self, uow: UnitOfWorkFactory, tokens: TokenStore, clock: Clock, config: AuthConfig
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._clock = clock
        self._codec = TokenCodec(config)
        # A token store beside the users (SQL) answers GET /auth/me in one statement.
        self._profiles = tokens if isinstance(tokens, AccessProfileReader) else None

    def purge_expired(self) -> int:
        """Delete the sessions and denied tokens that have expired anyway."""
        return self._tokens.purge_expired(self._clock.now())

    def start(self, profile: UserProfile, now: datetime) -> AuthResult:
        """Open a session for a user who just proved who they are (login, sign-up)."""
        session_id = new_id()
        refresh = self._codec.issue(
            TokenType.REFRESH, user_id=profile.id, session_id=session_id, now=now
        )
        session = Session(
            id=session_id,
            user_id=profile.id,
            refresh_jti=refresh.claims.jti,
            created_at=now,
            last_used_at=now,
            expires_at=refresh.claims.expires_at,
        )
        self._tokens.add_session(session)
        access = self._codec.issue(
            TokenType.ACCESS,
            user_id=profile.id,
            session_id=session_id,
            now=now,
            expires_at=session.expires_at,
        )
        return AuthResult(
            user=profile,
            token=access.token,
            refresh_token=refresh.token,
            session_id=session_id,
            expires_at=access.claims.expires_at,
        )

    def validate_token(self, access_token: str) -> Principal:
        """Who the access token speaks for.

        ``TokenExpired``, ``TokenRevoked`` (logged out, or its session ended) or
        ``InvalidToken`` (anything else: forged, refresh token, malformed...)."""
        now = self._clock.now()
        return self._check_access(self._codec.decode(access_token, TokenType.ACCESS, now=now), now)

    def me_for_token(self, access_token: str) -> tuple[Principal, UserProfile]:
        """``validate_token`` then the user's profile, as ``GET /auth/me`` needs them,
        with the same errors. With a token store that provides ``AccessProfileReader``
        (the SQL one), the token check and the read are ONE statement; a refused token or
        a missing user then takes the two steps, to answer with the right error."""
        now = self._clock.now()
        claims = self._codec.decode(access_token, TokenType.ACCESS, now=now)
        if self._profiles is not None:
            found = self._profiles.profile_if_access(
                claims.jti, claims.session_id, claims.user_id, now
            )
            if found is not None:
                return _principal(claims), UserProfile.of(*found)
        principal = self._check_access(claims, now)
        return principal, read_profile(self._uow, principal.user_id)

    def refresh(self, refresh_token: str) -> AuthResult:
        """Trade a refresh token for a new access token and a new refresh token.

        The presented token is spent. Presenting a spent one again ends its whole session:
        ``RefreshTokenReused``; every token of that session is refused from then on."""
        now = self._clock.now()
        claims = self._codec.decode(refresh_token, TokenType.REFRESH, now=now)
        session = self._require_live_session(claims, now)
        new_refresh = self._codec.issue(
            TokenType.REFRESH,
            user_id=session.user_id,
            session_id=session.id,
            now=now,
            expires_at=session.expires_at,
        )
        if not self._tokens.rotate_session(session.id, claims.jti, new_refresh.claims.jti, now):
            current = self._tokens.get_session(session.id)
            if current is None or not current.is_active(now):
                raise TokenRevoked()  # ended between our read and the rotation
            # The session is alive but this token is not its newest: a spent token came
            # back. Whoever holds the newest one may be the thief: end the whole family.
            self._tokens.revoke_session(session.id, now)
            raise RefreshTokenReused()
        with self._uow(read_only=True) as uow:
            user = uow.users.get(session.user_id)
            if user is None:
                raise InvalidToken()
            profile = profile_in(uow, user)
        access = self._codec.issue(
            TokenType.ACCESS,
            user_id=session.user_id,
            session_id=session.id,
            now=now,
            expires_at=session.expires_at,
        )
        return AuthResult(
            user=profile,
            token=access.token,
            refresh_token=new_refresh.token,
            session_id=session.id,
            expires_at=access.claims.expires_at,
        )

    def logout(self, access_token: str) -> None:
        """Refuse this access token until it expires and end its session (so its refresh
        token dies too). Logging out twice with the same token is harmless; an expired
        access token cannot log out (``TokenExpired``): refresh first, or use
        ``end_session``."""
        now = self._clock.now()
        claims = self._codec.decode(access_token, TokenType.ACCESS, now=now)
        self._tokens.deny(claims.jti, claims.expires_at)
        session = self._tokens.get_session(claims.session_id)
        if session is not None and session.user_id == claims.user_id:
            self._tokens.revoke_session(session.id, now)

    def list_sessions(self, user_id: UUID) -> list[SessionInfo]:
        """The user's live sessions (one per login), newest first."""
        data = validate(_UserInput, user_id=user_id)
        sessions = self._tokens.list_sessions(data.user_id, self._clock.now())
        return [_session_info(s) for s in sessions]

    def end_session(self, user_id: UUID, session_id: UUID) -> None:
        """End one of the user's sessions. ``SessionNotFound`` if it is not one of their
        live sessions (someone else's session looks the same as none)."""
        data = validate(_SessionInput, user_id=user_id, session_id=session_id)
        now = self._clock.now()
        session = self._tokens.get_session(data.session_id)
        if session is None or session.user_id != data.user_id or not session.is_active(now):
            raise SessionNotFound()
        self._tokens.revoke_session(session.id, now)

    def end_all_sessions(self, user_id: UUID, *, except_session_id: UUID | None = None) -> int:
        """End every live session of the user but ``except_session_id`` (typically the
        current one); answers how many were ended."""
        data = validate(_EndAllInput, user_id=user_id, except_session_id=except_session_id)
        return self.end_user_sessions(data.user_id, self._clock.now(), keep=data.except_session_id)

    def end_user_sessions(self, user_id: UUID, now: datetime, *, keep: UUID | None = None) -> int:
        """End every live session of the user but ``keep``, as of ``now``: what a password
        change or reset does once it has committed."""
        return self._tokens.revoke_user_sessions(user_id, now, keep=keep)

    def _check_access(self, claims: TokenClaims, now: datetime) -> Principal:
        if not self._tokens.check_access(claims.jti, claims.session_id, claims.user_id, now):
            # Refused: find out why (the rare path: two more look-ups).
            if self._tokens.is_denied(claims.jti, now):
                raise TokenRevoked()
            self._require_live_session(claims, now)
            raise TokenRevoked()  # the store refused it: fail closed, whatever the reason
        return _principal(claims)

    def _require_live_session(self, claims: TokenClaims, now: datetime) -> Session:
        session = self._tokens.get_session(claims.session_id)
        if session is None or session.user_id != claims.user_id:
            raise InvalidToken()
        if session.revoked_at is not None:
            raise TokenRevoked()
        if not session.is_active(now):
            raise TokenExpired()
        return session


def _principal(claims: TokenClaims) -> Principal:
    return Principal(
        user_id=claims.user_id,
        session_id=claims.session_id,
        jti=claims.jti,
        expires_at=claims.expires_at,
    )


def _session_info(session: Session) -> SessionInfo:
    return SessionInfo(
        id=session.id,
        created_at=session.created_at,
        last_used_at=session.last_used_at,
        expires_at=session.expires_at,
    )
