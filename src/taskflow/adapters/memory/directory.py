"""A user directory in a dict: the host's users for tests and demos of identity mode."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from taskflow.domain.host_users import HostUser, HostUserId, host_key

__all__ = ["InMemoryUserDirectory"]


class InMemoryUserDirectory:
    """A ``UserDirectory`` of users you add: ``directory.add(7, email=..., name=...)``.
    Ids are matched by the text taskflow stores (``7`` and ``"7"`` are the same user)."""

    def __init__(self, users: Mapping[HostUserId, HostUser] | None = None) -> None:
        self._users: dict[str, HostUser] = {}
        for host_user_id, user in (users or {}).items():
            self._users[host_key(host_user_id)] = user

    def add(
        self, host_user_id: int | str | UUID, *, email: str, name: str, language: str | None = None
    ) -> HostUser:
        user = HostUser(email=email, name=name, language=language)
        self._users[host_key(host_user_id)] = user
        return user

    def remove(self, host_user_id: HostUserId) -> None:
        self._users.pop(host_key(host_user_id), None)

    def get(self, host_user_id: HostUserId) -> HostUser | None:
        return self._users.get(host_key(host_user_id))
