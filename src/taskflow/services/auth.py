"""The auth service: accounts, logins, tokens, sessions, verification and reset.

Rules (the user's guide is ``docs/auth.md``):

- Sign-up validates and normalises the email (lower-cased), trims the name (1-100
  characters, Unicode kept exactly) and takes a password of 8-128 characters. An email
  already used, in any letter case, is ``EmailAlreadyExists``. A sign-up is a login: it
  answers an ``AuthResult`` and emits ``user.signup``.
- Login answers the same ``InvalidCredentials`` for an unknown email and a wrong
  password, and does the same work for both: an unknown email is checked against a dummy
  hash (made once, with the configured hasher); the only extra work for a known email
  is writing the failure count, small next to argon2. ``AuthConfig.lockout_threshold``
  consecutive failures lock the account for ``lockout_duration``: ``AccountLocked`` (423),
  even with the right password. A success resets the count. A password reset lifts the
  lock, so a lock can never shut a user out for good. A hash made with outdated argon2
  parameters is replaced on the next successful login.
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
- Email verification and password reset use one-time tokens: 256 random bits given out
  once (in the ``user.verify_email`` / ``user.password_reset`` event the mailer turns into
  a mail) and stored only as their SHA-256 hash, with an expiry. A random token rather
  than a JWT because single use needs a stored record anyway, and the record then carries
  everything: expiry, single use (one conditional ``use`` update), and invalidation of the
  older ones; a leaked database gives no usable link. ``request_password_reset`` answers
  the same (``None``) whether or not the email has an account.
- Error messages never hold a password or a token.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

import attrs
from attrs import frozen
from pydantic import StringConstraints

from taskflow.config import AuthConfig
from taskflow.domain.models import (
    LoginFailures,
    OneTimeToken,
    OneTimeTokenPurpose,
    Role,
    Session,
    TeamSummary,
    User,
)
from taskflow.errors import (
    AccountLocked,
    EmailAlreadyExists,
    InvalidCredentials,
    InvalidToken,
    RefreshTokenReused,
    SessionNotFound,
    TokenExpired,
    TokenRevoked,
    UserNotFound,
    VerificationTokenInvalid,
)
from taskflow.events import USER_PASSWORD_RESET, USER_SIGNUP, USER_VERIFY_EMAIL, make_event
from taskflow.ids import new_id
from taskflow.ports.services import AccessProfileReader, Clock, PasswordHasher, TokenStore
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.security.tokens import TokenClaims, TokenCodec, TokenType
from taskflow.services.permissions import ROLE_PERMISSIONS, require_member
from taskflow.validation import Email, InputModel, Password, PersonName, normalize_email, validate

__all__ = [
    "AuthResult",
    "AuthService",
    "Principal",
    "SessionInfo",
    "TeamPermissions",
    "UserProfile",
]

_ONE_TIME_TOKEN_BYTES: Final = 32  # 256 bits
_MAX_ONE_TIME_TOKEN_LENGTH: Final = 256
# Longer than any password sign-up accepts (128): enough for every real attempt, and a
# bound on the work a hostile caller can ask of argon2.
_MAX_PASSWORD_ATTEMPT_LENGTH: Final = 1024

_PasswordAttempt = Annotated[str, StringConstraints(max_length=_MAX_PASSWORD_ATTEMPT_LENGTH)]


@frozen
class UserProfile:
    """A user as they see themselves: no password hash, their teams with their role."""

    id: UUID
    email: str
    name: str
    email_verified: bool
    created_at: datetime
    teams: tuple[TeamSummary, ...] = ()


@frozen
class AuthResult:
    """What sign-up, login and refresh answer. ``token`` is the access token (expiring
    at ``expires_at``); ``refresh_token`` gets the next pair from ``refresh``."""

    user: UserProfile
    token: str = attrs.field(repr=False)
    refresh_token: str = attrs.field(repr=False)
    session_id: UUID
    expires_at: datetime


@frozen
class Principal:
    """Who a valid access token speaks for."""

    user_id: UUID
    session_id: UUID
    jti: str
    expires_at: datetime


@frozen
class SessionInfo:
    """One login of a user, as they see it in a "your devices" list. ``last_used_at`` is
    the login or the last refresh."""

    id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime


@frozen
class TeamPermissions:
    """A user's role in a team and the permission names it grants (``ROLE_PERMISSIONS``)."""

    team_id: UUID
    user_id: UUID
    role: Role
    permissions: frozenset[str]


class _SignupInput(InputModel):
    email: Email
    password: Password
    name: PersonName


class _LoginInput(InputModel):
    email: Annotated[str, StringConstraints(max_length=320)]
    password: _PasswordAttempt


class _UserInput(InputModel):
    user_id: UUID


class _TeamInput(InputModel):
    user_id: UUID
    team_id: UUID


class _SessionInput(InputModel):
    user_id: UUID
    session_id: UUID


class _EndAllInput(InputModel):
    user_id: UUID
    except_session_id: UUID | None


class _ChangePasswordInput(InputModel):
    user_id: UUID
    current_password: _PasswordAttempt
    new_password: Password
    session_id: UUID | None


class _EmailInput(InputModel):
    email: Email


class _TokenInput(InputModel):
    token: str


class _ResetInput(InputModel):
    token: str
    new_password: Password


class AuthService:
    """``tf.auth``. Each public method is one unit of work (token-store calls apart,
    which are atomic on their own)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        tokens: TokenStore,
        hasher: PasswordHasher,
        clock: Clock,
        config: AuthConfig,
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._hasher = hasher
        self._clock = clock
        self._config = config
        self._codec = TokenCodec(config)
        # A token store beside the users (SQL) answers GET /auth/me in one statement.
        self._profiles = tokens if isinstance(tokens, AccessProfileReader) else None
        self._dummy_hash: str | None = None
        self._dummy_hash_lock = threading.Lock()

    # --- accounts -------------------------------------------------------------------

    def signup(self, *, email: str, password: str, name: str) -> AuthResult:
        """Create an account and log it in. Emits ``user.signup`` ``{user_id, email}``."""
        data = validate(_SignupInput, email=email, password=password, name=name)
        with self._uow(read_only=True) as uow:
            # Cheap early answer before the costly hash; `users.add` still guards a race.
            if uow.users.get_by_email(data.email) is not None:
                raise EmailAlreadyExists()
        password_hash = self._hasher.hash(data.password)
        now = self._clock.now()
        user = User(
            id=new_id(),
            email=data.email,
            password_hash=password_hash,
            name=data.name,
            email_verified=False,
            created_at=now,
            updated_at=now,
        )
        with self._uow() as uow:
            uow.users.add(user)
            uow.emit(make_event(USER_SIGNUP, {"user_id": str(user.id), "email": user.email}, now))
            profile = _profile(uow, user)
            uow.commit()
        return self._start_session(profile, now)

    def login(self, *, email: str, password: str) -> AuthResult:
        """Check the credentials and open a session.

        Raises ``InvalidCredentials`` (unknown email or wrong password, indistinguishable)
        or ``AccountLocked`` (too many failures; ``retry_after`` seconds)."""
        data = validate(_LoginInput, email=email, password=password)
        normalised = _normalised_or_none(data.email.strip())
        now = self._clock.now()
        with self._uow(read_only=True) as uow:
            user = uow.users.get_by_email(normalised) if normalised is not None else None
            failures = uow.login_failures.get(user.id) if user is not None else None
        if user is None:
            self._hasher.verify(self._get_dummy_hash(), data.password)
            raise InvalidCredentials()
        _raise_if_locked(failures, now)
        # The costly check runs outside any unit of work, so no transaction (nor the
        # in-memory store's lock) is held while argon2 works.
        if not self._hasher.verify(user.password_hash, data.password):
            self._record_failure(user.id, now)
            raise InvalidCredentials()
        new_hash = (
            self._hasher.hash(data.password)
            if self._hasher.needs_rehash(user.password_hash)
            else None
        )
        with self._uow() as uow:
            # Parallel wrong guesses may have locked the account since we read it.
            _raise_if_locked(uow.login_failures.get(user.id), now)
            current = uow.users.get(user.id)
            if current is None or current.password_hash != user.password_hash:
                raise InvalidCredentials()  # the password changed meanwhile
            uow.login_failures.clear(user.id)
            if new_hash is not None:
                current = attrs.evolve(current, password_hash=new_hash, updated_at=now)
                uow.users.update(current)
            profile = _profile(uow, current)
            uow.commit()
        return self._start_session(profile, now)

    def me(self, user_id: UUID) -> UserProfile:
        """The user's profile with their teams. ``UserNotFound`` if there is no such user."""
        data = validate(_UserInput, user_id=user_id)
        with self._uow(read_only=True) as uow:
            found = uow.users.get_with_teams(data.user_id)  # one query: every request's
        if found is None:
            raise UserNotFound()
        return _profile_of(*found)

    def me_for_token(self, access_token: str) -> tuple[Principal, UserProfile]:
        """``validate_token`` then ``me``, as ``GET /auth/me`` needs them, with the same
        errors. With a token store that provides ``AccessProfileReader`` (the SQL one),
        the token check and the read are ONE statement; a refused token or a missing
        user then takes the two steps, to answer with the right error."""
        now = self._clock.now()
        claims = self._codec.decode(access_token, TokenType.ACCESS, now=now)
        if self._profiles is not None:
            found = self._profiles.profile_if_access(
                claims.jti, claims.session_id, claims.user_id, now
            )
            if found is not None:
                return _principal(claims), _profile_of(*found)
        principal = self._check_access(claims, now)
        return principal, self.me(principal.user_id)

    def get_user_permissions(self, user_id: UUID, team_id: UUID) -> TeamPermissions:
        """The user's role in the team and what it allows.

        ``TeamNotFound`` (404) if there is no such team, ``NotTeamMember`` (403) if the user
        is not one of its members."""
        data = validate(_TeamInput, user_id=user_id, team_id=team_id)
        with self._uow(read_only=True) as uow:
            membership = require_member(uow, data.team_id, data.user_id)
        return TeamPermissions(
            team_id=membership.team_id,
            user_id=membership.user_id,
            role=membership.role,
            permissions=ROLE_PERMISSIONS[membership.role],
        )

    # --- tokens and sessions --------------------------------------------------------

    def validate_token(self, access_token: str) -> Principal:
        """Who the access token speaks for.

        ``TokenExpired``, ``TokenRevoked`` (logged out, or its session ended) or
        ``InvalidToken`` (anything else: forged, refresh token, malformed...)."""
        now = self._clock.now()
        return self._check_access(self._codec.decode(access_token, TokenType.ACCESS, now=now), now)

    def _check_access(self, claims: TokenClaims, now: datetime) -> Principal:
        if not self._tokens.check_access(claims.jti, claims.session_id, claims.user_id, now):
            # Refused: find out why (the rare path: two more look-ups).
            if self._tokens.is_denied(claims.jti, now):
                raise TokenRevoked()
            self._require_live_session(claims, now)
            raise TokenRevoked()  # the store refused it: fail closed, whatever the reason
        return _principal(claims)

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
            profile = _profile(uow, user)
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
        return self._tokens.revoke_user_sessions(
            data.user_id, self._clock.now(), keep=data.except_session_id
        )

    # --- passwords ------------------------------------------------------------------

    def change_password(
        self,
        user_id: UUID,
        *,
        current_password: str,
        new_password: str,
        session_id: UUID | None = None,
    ) -> None:
        """Set a new password, proven by the current one, and end every session but
        ``session_id`` (the caller's own).

        A wrong current password is ``InvalidCredentials`` and counts as a failed login
        (so a stolen access token cannot be used to guess the password without limit)."""
        data = validate(
            _ChangePasswordInput,
            user_id=user_id,
            current_password=current_password,
            new_password=new_password,
            session_id=session_id,
        )
        now = self._clock.now()
        with self._uow(read_only=True) as uow:
            user = uow.users.get(data.user_id)
            failures = uow.login_failures.get(data.user_id)
        if user is None:
            raise UserNotFound()
        _raise_if_locked(failures, now)
        if not self._hasher.verify(user.password_hash, data.current_password):
            self._record_failure(user.id, now)
            raise InvalidCredentials("The current password is incorrect.")
        new_hash = self._hasher.hash(data.new_password)
        with self._uow() as uow:
            current = uow.users.get(user.id)
            if current is None or current.password_hash != user.password_hash:
                raise InvalidCredentials("The current password is incorrect.")
            uow.users.update(attrs.evolve(current, password_hash=new_hash, updated_at=now))
            uow.login_failures.clear(user.id)
            uow.commit()
        self._tokens.revoke_user_sessions(user.id, now, keep=data.session_id)

    def request_password_reset(self, email: str) -> None:
        """Send a reset link if the email has an account (event ``user.password_reset``
        ``{user_id, email, token}``); answers ``None`` either way, so it reveals nothing.
        A malformed email is ``InvalidInput``. A locked account may ask too."""
        data = validate(_EmailInput, email=email)
        now = self._clock.now()
        token = secrets.token_urlsafe(_ONE_TIME_TOKEN_BYTES)  # made either way: same work
        with self._uow() as uow:
            user = uow.users.get_by_email(data.email)
            if user is None:
                return
            self._add_one_time_token(uow, user, OneTimeTokenPurpose.PASSWORD_RESET, token, now)
            uow.emit(make_event(USER_PASSWORD_RESET, _token_payload(user, token), now))
            uow.commit()

    def reset_password(self, token: str, new_password: str) -> None:
        """Set a new password with a reset token: lifts any lockout, spends every other
        reset token of the user, and ends every session (logins start afresh).

        ``VerificationTokenInvalid`` for an unknown, used or expired token; a bad new
        password is ``InvalidInput`` and leaves the token unspent."""
        data = validate(_ResetInput, token=token, new_password=new_password)
        new_hash = self._hasher.hash(data.new_password)
        now = self._clock.now()
        with self._uow() as uow:
            user = self._spend_one_time_token(
                uow, data.token, OneTimeTokenPurpose.PASSWORD_RESET, now
            )
            uow.users.update(attrs.evolve(user, password_hash=new_hash, updated_at=now))
            uow.login_failures.clear(user.id)
            uow.one_time_tokens.invalidate(user.id, OneTimeTokenPurpose.PASSWORD_RESET, now)
            uow.commit()
        self._tokens.revoke_user_sessions(user.id, now)

    # --- email verification -----------------------------------------------------------

    def request_email_verification(self, user_id: UUID) -> None:
        """Send a verification link (event ``user.verify_email`` ``{user_id, email,
        token}``), valid ``AuthConfig.email_verification_ttl``. Nothing is sent if the
        email is verified already. ``UserNotFound`` if there is no such user."""
        data = validate(_UserInput, user_id=user_id)
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.get(data.user_id)
            if user is None:
                raise UserNotFound()
            if user.email_verified:
                return
            token = secrets.token_urlsafe(_ONE_TIME_TOKEN_BYTES)
            self._add_one_time_token(uow, user, OneTimeTokenPurpose.VERIFY_EMAIL, token, now)
            uow.emit(make_event(USER_VERIFY_EMAIL, _token_payload(user, token), now))
            uow.commit()

    def verify_email(self, token: str) -> None:
        """Mark the email of the token's user verified. ``VerificationTokenInvalid`` for
        an unknown, used or expired token."""
        data = validate(_TokenInput, token=token)
        now = self._clock.now()
        with self._uow() as uow:
            user = self._spend_one_time_token(
                uow, data.token, OneTimeTokenPurpose.VERIFY_EMAIL, now
            )
            if not user.email_verified:
                uow.users.update(attrs.evolve(user, email_verified=True, updated_at=now))
            uow.commit()

    # --- helpers ----------------------------------------------------------------------

    def _start_session(self, profile: UserProfile, now: datetime) -> AuthResult:
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

    def _require_live_session(self, claims: TokenClaims, now: datetime) -> Session:
        session = self._tokens.get_session(claims.session_id)
        if session is None or session.user_id != claims.user_id:
            raise InvalidToken()
        if session.revoked_at is not None:
            raise TokenRevoked()
        if not session.is_active(now):
            raise TokenExpired()
        return session

    def _record_failure(self, user_id: UUID, now: datetime) -> None:
        """Count one failed password check, locking the account at the threshold. Its own
        committed unit of work: the caller raises afterwards, outside it."""
        with self._uow() as uow:
            state = uow.login_failures.record_failure(user_id, now)
            if state.count >= self._config.lockout_threshold:
                uow.login_failures.lock(user_id, now + self._config.lockout_duration)
            uow.commit()

    def _get_dummy_hash(self) -> str:
        """A hash of a random password, made once with the configured hasher, verified
        for unknown emails so that they cost what a wrong password costs."""
        with self._dummy_hash_lock:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
            return self._dummy_hash

    def _add_one_time_token(
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
                token_hash=_hash_token(token),
                created_at=now,
                expires_at=now + ttl,
            )
        )

    def _spend_one_time_token(
        self, uow: UnitOfWork, token: str, purpose: OneTimeTokenPurpose, now: datetime
    ) -> User:
        """Use the token (once, if unexpired, for this purpose) and return its user."""
        if not token or len(token) > _MAX_ONE_TIME_TOKEN_LENGTH:
            raise VerificationTokenInvalid()
        record = uow.one_time_tokens.get_by_hash(_hash_token(token))
        if record is None or record.purpose is not purpose:
            raise VerificationTokenInvalid()
        if not uow.one_time_tokens.use(record.id, now):
            raise VerificationTokenInvalid()
        user = uow.users.get(record.user_id)
        if user is None:
            raise VerificationTokenInvalid()
        return user


def _profile(uow: UnitOfWork, user: User) -> UserProfile:
    return _profile_of(user, uow.members.teams_of_user(user.id))


def _session_info(session: Session) -> SessionInfo:
    return SessionInfo(
        id=session.id,
        created_at=session.created_at,
        last_used_at=session.last_used_at,
        expires_at=session.expires_at,
    )


def _raise_if_locked(failures: LoginFailures | None, now: datetime) -> None:
    if failures is None or failures.locked_until is None or now >= failures.locked_until:
        return
    raise AccountLocked(retry_after=math.ceil((failures.locked_until - now).total_seconds()))


def _normalised_or_none(email: str) -> str | None:
    """The normalised email, or None if it cannot be one (then no account has it)."""
    try:
        return normalize_email(email)
    except ValueError:
        return None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token_payload(user: User, token: str) -> dict[str, str]:
    return {"user_id": str(user.id), "email": user.email, "token": token}


def _principal(claims: TokenClaims) -> Principal:
    return Principal(
        user_id=claims.user_id,
        session_id=claims.session_id,
        jti=claims.jti,
        expires_at=claims.expires_at,
    )


def _profile_of(user: User, teams: Sequence[TeamSummary]) -> UserProfile:
    return UserProfile(
        id=user.id,
        email=user.email,
        name=user.name,
        email_verified=user.email_verified,
        created_at=user.created_at,
        teams=tuple(teams),
    )
