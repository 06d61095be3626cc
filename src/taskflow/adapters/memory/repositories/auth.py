"""Accounts in memory: users, login failures (the lockout counter), one-time tokens."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

import attrs

from taskflow.adapters.memory.repositories.base import InMemoryRepository
from taskflow.adapters.memory.repositories.teams import InMemoryMembershipRepository
from taskflow.domain.models import (
    EmailChange,
    LoginFailures,
    OneTimeToken,
    OneTimeTokenPurpose,
    TeamSummary,
    User,
)
from taskflow.errors import EmailAlreadyExists, HostUserAlreadyLinked

__all__ = [
    "InMemoryEmailChangeRepository",
    "InMemoryLoginFailureRepository",
    "InMemoryOneTimeTokenRepository",
    "InMemoryUserRepository",
]


class InMemoryUserRepository(InMemoryRepository):
    def add(self, user: User) -> None:
        self._check_unique(user)
        self._store.users[user.id] = user

    def _check_unique(self, user: User) -> None:
        others = [u for u in self._store.users.values() if u.id != user.id]
        if user.external_id is not None and any(u.external_id == user.external_id for u in others):
            raise HostUserAlreadyLinked()
        if any(u.email == user.email for u in others):
            raise EmailAlreadyExists()

    def get_by_external_id(self, external_id: str) -> User | None:
        users = self._store.users.values()
        return next((u for u in users if u.external_id == external_id), None)

    def get(self, user_id: UUID) -> User | None:
        return self._store.users.get(user_id)

    def get_by_email(self, email: str) -> User | None:
        return next((u for u in self._store.users.values() if u.email == email), None)

    def get_many(self, user_ids: Collection[UUID]) -> dict[UUID, User]:
        return {i: self._store.users[i] for i in set(user_ids) if i in self._store.users}

    def get_with_teams(self, user_id: UUID) -> tuple[User, Sequence[TeamSummary]] | None:
        user = self._store.users.get(user_id)
        if user is None:
            return None
        return user, InMemoryMembershipRepository(self._store).teams_of_user(user_id)

    def update(self, user: User) -> None:
        self._check_unique(user)
        self._store.users[user.id] = user

    def set_name(self, user_id: UUID, name: str, now: datetime) -> None:
        user = self._store.users.get(user_id)
        if user is not None:
            self._store.users[user_id] = attrs.evolve(user, name=name, updated_at=now)

    def set_password_hash(
        self, user_id: UUID, password_hash: str, now: datetime, *, expected: str | None
    ) -> bool:
        user = self._store.users.get(user_id)
        if user is None or user.is_erased:
            return False
        if expected is not None and user.password_hash != expected:
            return False
        self._store.users[user_id] = attrs.evolve(user, password_hash=password_hash, updated_at=now)
        return True

    def mark_verified(self, user_id: UUID, email: str, now: datetime) -> None:
        user = self._store.users.get(user_id)
        if user is not None and user.email == email and not user.email_verified:
            self._store.users[user_id] = attrs.evolve(user, email_verified=True, updated_at=now)

    def change_email(
        self, user_id: UUID, new_email: str, now: datetime, *, expected: str | None
    ) -> bool:
        user = self._store.users.get(user_id)
        if user is None or (expected is not None and user.email != expected):
            return False
        changed = attrs.evolve(user, email=new_email, email_verified=True, updated_at=now)
        self.update(changed)  # refuses an address another account has
        return True

    def set_deletion_due(self, user_id: UUID, due_at: datetime | None, now: datetime) -> bool:
        user = self._store.users.get(user_id)
        if user is None or user.is_erased or user.deletion_due_at == due_at:
            return False
        self._store.users[user_id] = attrs.evolve(user, deletion_due_at=due_at, updated_at=now)
        return True

    def due_for_erasure(self, now: datetime, limit: int) -> Sequence[UUID]:
        due = [
            u
            for u in self._store.users.values()
            if u.deletion_due_at is not None and u.deletion_due_at <= now
        ]
        due.sort(key=lambda u: (u.deletion_due_at, u.id))
        return [u.id for u in due[:limit]]

    def erase(self, user: User, now: datetime) -> bool:
        stored = self._store.users.get(user.id)
        if stored is None or stored.deletion_due_at is None or stored.deletion_due_at > now:
            return False
        self._store.users[user.id] = user
        return True


class InMemoryLoginFailureRepository(InMemoryRepository):
    def get(self, subject: str) -> LoginFailures | None:
        return self._store.login_failures.get(subject)

    def count_attempt(self, subject: str, now: datetime) -> LoginFailures:
        current = self._store.login_failures.get(subject)
        if current is not None and current.locked_until is not None and current.locked_until > now:
            return current  # locked: nothing counted
        count = current.count + 1 if current else 1
        locked_until = current.locked_until if current else None
        state = LoginFailures(subject, count, now, locked_until)
        self._store.login_failures[subject] = state
        return state

    def lock(self, subject: str, until: datetime) -> None:
        current = self._store.login_failures.get(subject)
        last = current.last_failed_at if current else until
        self._store.login_failures[subject] = LoginFailures(subject, 0, last, until)

    def clear(self, subject: str) -> None:
        self._store.login_failures.pop(subject, None)

    def purge_stale(self, before: datetime) -> int:
        stale = [
            subject
            for subject, state in self._store.login_failures.items()
            if state.last_failed_at < before
            and (state.locked_until is None or state.locked_until < before)
        ]
        for subject in stale:
            del self._store.login_failures[subject]
        return len(stale)


class InMemoryOneTimeTokenRepository(InMemoryRepository):
    def add(self, token: OneTimeToken) -> None:
        self._store.one_time_tokens[token.id] = token

    def get_by_hash(self, token_hash: str) -> OneTimeToken | None:
        tokens = self._store.one_time_tokens.values()
        return next((t for t in tokens if t.token_hash == token_hash), None)

    def use(self, token_id: UUID, now: datetime) -> bool:
        token = self._store.one_time_tokens.get(token_id)
        if token is None or token.used_at is not None or now >= token.expires_at:
            return False
        self._store.one_time_tokens[token_id] = attrs.evolve(token, used_at=now)
        return True

    def invalidate(self, user_id: UUID, purpose: OneTimeTokenPurpose, now: datetime) -> None:
        for token in list(self._store.one_time_tokens.values()):
            if token.user_id == user_id and token.purpose == purpose and token.used_at is None:
                self._store.one_time_tokens[token.id] = attrs.evolve(token, used_at=now)

    def delete_for_user(self, user_id: UUID) -> int:
        tokens = self._store.one_time_tokens
        doomed = [t.id for t in tokens.values() if t.user_id == user_id]
        for token_id in doomed:
            del tokens[token_id]
        return len(doomed)


class InMemoryEmailChangeRepository(InMemoryRepository):
    def add(self, change: EmailChange) -> None:
        self._store.email_changes[change.id] = change

    def get_by_token_hash(self, token_hash: str) -> EmailChange | None:
        changes = self._store.email_changes.values()
        return next((c for c in changes if c.token_hash == token_hash), None)

    def get_by_undo_token_hash(self, undo_token_hash: str) -> EmailChange | None:
        changes = self._store.email_changes.values()
        return next((c for c in changes if c.undo_token_hash == undo_token_hash), None)

    def cancel_pending(self, user_id: UUID, now: datetime) -> int:
        pending = [
            c
            for c in self._store.email_changes.values()
            if c.user_id == user_id and c.confirmed_at is None and c.cancelled_at is None
        ]
        for change in pending:
            self._store.email_changes[change.id] = attrs.evolve(change, cancelled_at=now)
        return len(pending)

    def confirm(
        self, change_id: UUID, undo_token_hash: str, undo_expires_at: datetime, now: datetime
    ) -> bool:
        change = self._store.email_changes.get(change_id)
        if (
            change is None
            or change.confirmed_at is not None
            or change.cancelled_at is not None
            or now >= change.expires_at
        ):
            return False
        self._store.email_changes[change_id] = attrs.evolve(
            change,
            confirmed_at=now,
            undo_token_hash=undo_token_hash,
            undo_expires_at=undo_expires_at,
        )
        return True

    def undo(self, change_id: UUID, now: datetime) -> bool:
        change = self._store.email_changes.get(change_id)
        if (
            change is None
            or change.confirmed_at is None
            or change.undone_at is not None
            or change.undo_expires_at is None
            or now >= change.undo_expires_at
        ):
            return False
        self._store.email_changes[change_id] = attrs.evolve(change, undone_at=now)
        return True

    def delete_for_user(self, user_id: UUID) -> int:
        changes = self._store.email_changes
        doomed = [c.id for c in changes.values() if c.user_id == user_id]
        for change_id in doomed:
            del changes[change_id]
        return len(doomed)
