"""The user directory port: how taskflow learns about a host application's users.

In identity mode (``docs/embedding.md``) the host authenticates its users and taskflow
asks the host's directory for each user's email, name and language when it first meets
them, and again when the host calls ``tf.identities.refresh``.
"""

from __future__ import annotations

from typing import Protocol

from taskflow.domain.host_users import HostUser, HostUserId

__all__ = ["UserDirectory"]


class UserDirectory(Protocol):
    """The host's users, by the host's own ids. Implement it over your users table."""

    def get(self, host_user_id: HostUserId) -> HostUser | None:
        """The user with this id, or None when the host has no such user. Called with
        the id exactly as your resolver (or your call to ``tf.identities``) gave it."""
