"""Accounts: sign-up, login with its lockout, the profile, a team's permissions, and a
password change.

- Sign-up validates and normalises the email (lower-cased), trims the name (1-100
  characters, Unicode kept exactly) and takes a password of 8-128 characters. An email
  already used, in any letter case, is ``EmailAlreadyExists``. A sign-up is a login: it
  answers an ``AuthResult`` and emits ``user.signup``. ``language`` (``fa`` or ``en``;
  another is ``InvalidInput``) is stored as the user's notification language, in the
  same transaction; without it the user reads the configured default
  (``TASKFLOW_DEFAULT_LANGUAGE``) until they choose one in their preferences.
- Login answers the same ``InvalidCredentials`` for an unknown email and a wrong
  password, and does the same work for both: the same statements, and an unknown email
  is checked against a dummy hash (made once, with the configured hasher). The lockout
  (``lockout.py``) counts attempts per address tried, known or not:
  ``AuthConfig.lockout_threshold`` failures in a row lock it for ``lockout_duration``:
  ``AccountLocked`` (423), even with the right password. A success resets the count. A
  password reset lifts the lock, so a lock can never shut a user out for good. A hash
  made with outdated argon2 parameters is replaced on the next successful login.
- The profile (``update_profile``): the name (validated as at sign-up), the language and
  the time zone. The language and time zone live in the notification preferences, their
  one home (``tf.notifications.get_preferences`` reads the same values).
- Deletion (``request_deletion``): proven by the password, refused while the user owns a
  team (``OwnerMustTransfer`` naming the teams); every session ends and the account is
  erased after ``AuthConfig.deletion_grace`` (see ``erasure.py``) unless a login comes
  first: a login cancels the deletion.
- Error messages never hold a password.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta
from typing import Annotated, Any, Final, Literal
from uuid import UUID

import attrs
from pydantic import StringConstraints

from taskflow.config import AuthConfig
from taskflow.domain.models import LoginFailures, Role, User
from taskflow.domain.notifications import DEFAULT_LANGUAGE, NotificationPreferences
from taskflow.errors import (
    EmailAlreadyExists,
    InvalidCredentials,
    InvalidInput,
    OwnerMustTransfer,
    UserNotFound,
)
from taskflow.events import (
    USER_DELETION_CANCELLED,
    USER_DELETION_REQUESTED,
    USER_SIGNUP,
    make_event,
)
from taskflow.ids import new_id
from taskflow.ports.services import Clock, PasswordHasher
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.services.auth.lockout import lock_in_force, locks_now, login_subject, refusal
from taskflow.services.auth.profiles import profile_in, read_profile
from taskflow.services.auth.sessions import SessionService
from taskflow.services.permissions import ROLE_PERMISSIONS, require_member
from taskflow.services.read_models import (
    AccountProfile,
    AuthResult,
    TeamPermissions,
    UserProfile,
)
from taskflow.validation import (
    Email,
    InputModel,
    Language,
    Password,
    PersonName,
    TimeZoneName,
    normalize_email,
    validate,
)

__all__ = ["AccountService"]

# Longer than any password sign-up accepts (128): enough for every real attempt, and a
# bound on the work a hostile caller can ask of argon2.
_MAX_PASSWORD_ATTEMPT_LENGTH: Final = 1024

_STALE_COUNTER_AGE: Final = timedelta(days=1)

_PasswordAttempt = Annotated[str, StringConstraints(max_length=_MAX_PASSWORD_ATTEMPT_LENGTH)]


class _SignupInput(InputModel):
    email: Email
    password: Password
    name: PersonName
    language: Literal["fa", "en"] | None = None


class _LoginInput(InputModel):
    email: Annotated[str, StringConstraints(max_length=320)]
    password: _PasswordAttempt


class _TeamInput(InputModel):
    user_id: UUID
    team_id: UUID


class _ChangePasswordInput(InputModel):
    user_id: UUID
    current_password: _PasswordAttempt
    new_password: Password
    session_id: UUID | None


class _ProfileInput(InputModel):
    """PATCH: only the fields given change; none of them may be null."""

    user_id: UUID
    name: PersonName | None = None
    language: Language | None = None
    timezone: TimeZoneName | None = None


class _PasswordProof(InputModel):
    user_id: UUID
    password: _PasswordAttempt


class AccountService:
    """The account half of ``tf.auth``. Each public method is one unit of work, plus the
    failure count of a wrong password in its own."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sessions: SessionService,
        hasher: PasswordHasher,
        clock: Clock,
        config: AuthConfig,
        *,
        default_language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self._uow = uow
        self._sessions = sessions
        self._hasher = hasher
        self._clock = clock
        self._config = config
        self._default_language = default_language
        self._dummy_hash: str | None = None
        self._dummy_hash_lock = threading.Lock()

    def signup(
        self, *, email: str, password: str, name: str, language: str | None = None
    ) -> AuthResult:
        """Create an account and log it in. Emits ``user.signup`` ``{user_id, email}``.
        ``language``: the user's language (``fa`` or ``en``), for their mails and in-app
        notifications; None: the configured default."""
        data = validate(_SignupInput, email=email, password=password, name=name, language=language)
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
            if data.language is not None:  # one home: the notification preferences
                uow.preferences.put(
                    NotificationPreferences(user_id=user.id, language=data.language, updated_at=now)
                )
            uow.emit(make_event(USER_SIGNUP, {"user_id": str(user.id), "email": user.email}, now))
            profile = profile_in(uow, user)
            uow.commit()
        return self._sessions.start(profile, now)

    def login(self, *, email: str, password: str) -> AuthResult:
        """Check the credentials and open a session.

        Raises ``InvalidCredentials`` (unknown email or wrong password, indistinguishable)
        or ``AccountLocked`` (too many failures; ``retry_after`` seconds)."""
        data = validate(_LoginInput, email=email, password=password)
        normalised = _normalised_or_none(data.email.strip())
        subject = login_subject(normalised or data.email)
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.get_by_email(normalised) if normalised is not None else None
            attempt = uow.login_failures.count_attempt(subject, now)
            locked = refusal(uow, attempt, now, self._config)
            uow.commit()
        if locked is not None:
            raise locked
        # The costly check runs outside any unit of work, so no transaction (nor the
        # in-memory store's lock) is held while argon2 works. An unknown address costs
        # the same: a dummy hash is checked.
        password_hash = user.password_hash if user is not None else self._get_dummy_hash()
        if not self._hasher.verify(password_hash, data.password) or user is None:
            self._after_failure(attempt)
            raise InvalidCredentials()
        new_hash = (
            self._hasher.hash(data.password)
            if self._hasher.needs_rehash(user.password_hash)
            else None
        )
        with self._uow() as uow:
            # Parallel wrong guesses may have locked the address since this one counted.
            if (locked := lock_in_force(uow.login_failures.get(subject), now)) is not None:
                raise locked
            current = uow.users.get(user.id)
            if current is None or current.password_hash != user.password_hash:
                raise InvalidCredentials()  # the password changed meanwhile
            if current.is_erased:
                raise InvalidCredentials()
            # The user's row before the counter's: the erasure locks them in that order.
            if current.deletion_due_at is not None:
                current = self._cancel_deletion(uow, current, now)
            uow.login_failures.clear(subject)
            if new_hash is not None and not uow.users.set_password_hash(
                current.id, new_hash, now, expected=current.password_hash
            ):
                raise InvalidCredentials()  # the password changed (or it was erased) meanwhile
            profile = profile_in(uow, current)
            uow.commit()
        return self._sessions.start(profile, now)

    @staticmethod
    def _cancel_deletion(uow: UnitOfWork, user: User, now: datetime) -> User:
        """A login within the grace period is the user changing their mind. The
        conditional update waits for an erasure of the same row that started first; the
        row read again then tells which won (an erased account is refused)."""
        cancelled = uow.users.set_deletion_due(user.id, None, now)
        current = uow.users.get(user.id)
        if current is None or current.is_erased:
            raise InvalidCredentials()
        if cancelled:
            uow.emit(make_event(USER_DELETION_CANCELLED, {"user_id": str(user.id)}, now))
        return current

    def me(self, user_id: UUID) -> UserProfile:
        """The user's profile with their teams. ``UserNotFound`` if there is no such user."""
        return read_profile(self._uow, user_id)

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
        user = self.check_password(
            data.user_id, data.current_password, "The current password is incorrect."
        )
        new_hash = self._hasher.hash(data.new_password)
        now = self._clock.now()
        with self._uow() as uow:
            # Conditional: a password changed meanwhile was not the one proven.
            if not uow.users.set_password_hash(user.id, new_hash, now, expected=user.password_hash):
                raise InvalidCredentials("The current password is incorrect.")
            uow.commit()
        self._sessions.end_user_sessions(user.id, now, keep=data.session_id)

    def check_password(self, user_id: UUID, password: str, message: str) -> User:
        """The user, once ``password`` is proven theirs. A wrong one is
        ``InvalidCredentials`` (``message``) and counts as a failed login, so a stolen
        access token cannot be used to guess the password without limit; a locked
        address is ``AccountLocked``. A success clears the count."""
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.get(user_id)
            if user is None or user.is_erased:
                raise UserNotFound()
            subject = login_subject(user.email)
            attempt = uow.login_failures.count_attempt(subject, now)
            locked = refusal(uow, attempt, now, self._config)
            uow.commit()
        if locked is not None:
            raise locked
        if not self._hasher.verify(user.password_hash, password):
            self._after_failure(attempt)
            raise InvalidCredentials(message)
        with self._uow() as uow:
            uow.login_failures.clear(subject)
            uow.commit()
        return user

    # --- the profile ------------------------------------------------------------------

    def profile(self, user_id: UUID) -> AccountProfile:
        """The profile with the language and time zone (``update_profile`` answers it)."""
        data = validate(_UserIdInput, user_id=user_id)
        with self._uow(read_only=True) as uow:
            return self._account_profile(uow, data.user_id)

    def update_profile(self, user_id: UUID, **changes: Any) -> AccountProfile:
        """Change what is given among ``name`` (1-100 characters once trimmed, as at
        sign-up), ``language`` (``fa`` or ``en``) and ``timezone`` (an IANA name); the
        others stay. ``InvalidInput`` for a bad or null value, or an unknown field."""
        data = validate(_ProfileInput, user_id=user_id, **changes)
        for name in data.model_fields_set - {"user_id"}:
            if getattr(data, name) is None:
                raise InvalidInput.for_field(name, "must not be null")
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.get(data.user_id)
            if user is None or user.is_erased:
                raise UserNotFound()
            if data.name is not None and data.name != user.name:
                uow.users.set_name(user.id, data.name, now)
            if data.language is not None or data.timezone is not None:
                current = uow.preferences.get(user.id) or NotificationPreferences(
                    user_id=user.id, language=self._default_language
                )
                updates: dict[str, Any] = {"updated_at": now}
                if data.language is not None:
                    updates["language"] = data.language
                if data.timezone is not None:
                    updates["timezone"] = data.timezone
                uow.preferences.put(attrs.evolve(current, **updates))
            answer = self._account_profile(uow, user.id)
            uow.commit()
        return answer

    def _account_profile(self, uow: UnitOfWork, user_id: UUID) -> AccountProfile:
        found = uow.users.get_with_teams(user_id)
        if found is None or found[0].is_erased:
            raise UserNotFound()
        user, teams = found
        preferences = uow.preferences.get(user_id)
        return AccountProfile(
            profile=UserProfile.of(user, teams),
            language=preferences.language if preferences else self._default_language,
            timezone=preferences.timezone
            if preferences
            else NotificationPreferences(user_id=user_id).timezone,
            deletion_due_at=user.deletion_due_at,
        )

    # --- deletion ---------------------------------------------------------------------

    def request_deletion(self, user_id: UUID, *, password: str) -> datetime:
        """Schedule the erasure of the account, proven by its password; answers when it
        will happen (``AuthConfig.deletion_grace`` from now). Every session ends; a login
        before then cancels it. Emits ``user.deletion_requested`` ``{user_id, email,
        due_at, erase_on}`` (a mail saying so).

        ``OwnerMustTransfer`` (409, ``.teams``) while the user owns a team: they transfer
        it or delete it first. A wrong password is ``InvalidCredentials``, counted as a
        failed login."""
        data = validate(_PasswordProof, user_id=user_id, password=password)
        with self._uow(read_only=True) as uow:
            _refuse_owner(uow, data.user_id)  # before the costly check
        self.check_password(data.user_id, data.password, "The password is incorrect.")
        now = self._clock.now()
        due_at = now + self._config.deletion_grace
        with self._uow() as uow:
            user = uow.users.get(data.user_id)
            if user is None or user.is_erased:
                raise UserNotFound()
            _refuse_owner(uow, user.id)  # again, in the unit that schedules it
            uow.users.set_deletion_due(user.id, due_at, now)
            payload = {
                "user_id": str(user.id),
                "email": user.email,
                "due_at": due_at.isoformat(),
                "erase_on": due_at.strftime("%Y-%m-%d %H:%M"),
            }
            uow.emit(make_event(USER_DELETION_REQUESTED, payload, now))
            uow.commit()
        self._sessions.end_user_sessions(user.id, now)
        return due_at

    def purge_stale_login_counters(self) -> int:
        """Delete the login counters idle for a day whose lock (if any) is over: the
        addresses with no account would otherwise stay forever."""
        before = self._clock.now() - max(_STALE_COUNTER_AGE, self._config.lockout_duration)
        with self._uow() as uow:
            purged = uow.login_failures.purge_stale(before)
            uow.commit()
        return purged

    def _after_failure(self, attempt: LoginFailures) -> None:
        """A wrong password (already counted): the attempt that reaches the threshold locks
        the address, in its own committed unit (the caller raises afterwards)."""
        if locks_now(attempt, self._config):
            with self._uow() as uow:
                until = attempt.last_failed_at + self._config.lockout_duration
                uow.login_failures.lock(attempt.subject, until)
                uow.commit()

    def _get_dummy_hash(self) -> str:
        """A hash of a random password, made once with the configured hasher, verified
        for unknown emails so that they cost what a wrong password costs."""
        with self._dummy_hash_lock:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
            return self._dummy_hash


class _UserIdInput(InputModel):
    user_id: UUID


def _refuse_owner(uow: UnitOfWork, user_id: UUID) -> None:
    """``OwnerMustTransfer`` naming every team ``user_id`` owns (each has one owner)."""
    owned = [team for team in uow.members.teams_of_user(user_id) if team.role is Role.OWNER]
    if owned:
        names = ", ".join(team.name for team in owned)
        raise OwnerMustTransfer(
            f"Transfer or delete the teams you own first: {names}.",
            teams=[{"id": str(team.id), "name": team.name} for team in owned],
        )


def _normalised_or_none(email: str) -> str | None:
    """The normalised email, or None if it cannot be one (then no account has it)."""
    try:
        return normalize_email(email)
    except ValueError:
        return None
