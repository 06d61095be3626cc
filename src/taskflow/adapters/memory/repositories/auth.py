"""Accounts in memory: users, login failures (the lockout counter), one-time tokens."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

import attrs

from taskflow.adapters.memory.repositories.base import InMemoryRepository
from taskflow.adapters.memory.repositories.teams import InMemoryMembershipRepository
from taskflow.domain.models import (
    LoginFailures,
    OneTimeToken,
    OneTimeTokenPurpose,
    TeamSummary,
    User,
)
from taskflow.errors import EmailAlreadyExists, HostUserAlreadyLinked

__all__ = [
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
