"""The domain objects: frozen, slotted ``attrs`` classes.

They are plain values. A change makes a new object (``attrs.evolve``, or a method such as
``Task.with_changes``) that a service hands to a repository; nothing here talks to
storage. Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

import attrs
from attrs import field, frozen

__all__ = [
    "ActivityKind",
    "ERASED_EMAIL_DOMAIN",
    "EX_MEMBER_NAME",
    "Comment",
    "EmailChange",
    "Event",
    "Invite",
    "LoginFailures",
    "Membership",
    "OneTimeToken",
    "OneTimeTokenPurpose",
    "Priority",
    "Role",
    "Session",
    "Task",
    "TaskActivity",
    "TaskStatus",
    "Team",
    "TeamSummary",
    "User",
    "UserRef",
]


class Role(enum.StrEnum):
    """A member's role in a team. Ranked: member < admin < owner."""

    MEMBER = "member"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {Role.MEMBER: 0, Role.ADMIN: 1, Role.OWNER: 2}


class TaskStatus(enum.StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Priority(enum.StrEnum):
    """Task priority; ``rank`` sorts by meaning (low < medium < high), not alphabet."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.LOW: 0, Priority.MEDIUM: 1, Priority.HIGH: 2}


EX_MEMBER_NAME: Final = "ex-member"
"""The name an erased account keeps: comments and activity still point at its id, and
show this author."""
ERASED_EMAIL_DOMAIN: Final = "erased.invalid"
"""The domain of an erased account's stand-in address (``<id>@erased.invalid``): unique
like every address, and one no sign-up, invite or email change accepts (``.invalid`` is
reserved, and refused by the email validation)."""


@frozen
class User:
    """An account. ``deletion_due_at``: its deletion was asked for and it is erased at
    that time unless a login cancels it first. ``erased_at``: it was erased; the row is a
    stand-in that keeps only the id (for the comments and activity that name it), the
    name ``EX_MEMBER_NAME`` and an unusable address and password hash."""

    id: UUID
    email: str  # normalised: lower-cased
    password_hash: str = field(repr=False)
    name: str
    email_verified: bool
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    """The host application's id of this user (identity mode), as text; None for an
    account of taskflow's own."""
    deletion_due_at: datetime | None = None
    erased_at: datetime | None = None

    @property
    def is_hosted(self) -> bool:
        """Whether the host application authenticates this user (identity mode): such a
        user has no password of taskflow's and cannot log in to taskflow itself."""
        return self.external_id is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


@frozen
class UserRef:
    """The public face of a user inside other objects: ``{"id", "name"}``."""

    id: UUID
    name: str


@frozen
class LoginFailures:
    """The login attempts counted against one *login subject* (a hash of the email address
    tried, whether an account has it or not) since the last success, and the lock they
    caused. Attempts are counted when they start, so a burst cannot slip past the lock."""

    subject: str
    count: int
    last_failed_at: datetime
    locked_until: datetime | None = None


@frozen
class Session:
    """One login: a refresh-token family. Each refresh rotates ``refresh_jti``."""

    id: UUID
    user_id: UUID
    refresh_jti: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class OneTimeTokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password


@frozen
class OneTimeToken:
    """A single-use token (email verification, password reset), stored only as a hash."""

    id: UUID
    user_id: UUID
    purpose: OneTimeTokenPurpose
    token_hash: str = field(repr=False)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


@frozen
class EmailChange:
    """A request to move an account from ``old_email`` to ``new_email``, confirmed by the
    token mailed to the new address (``token_hash``, until ``expires_at``). Once
    confirmed, ``undo_token_hash`` (mailed to the old address) moves it back until
    ``undo_expires_at``. A newer request cancels an unconfirmed one (``cancelled_at``).
    ``session_id``: the session that asked, the one kept when the change completes."""

    id: UUID
    user_id: UUID
    old_email: str
    new_email: str
    token_hash: str = field(repr=False)
    created_at: datetime
    expires_at: datetime
    session_id: UUID | None = None
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    undo_token_hash: str | None = field(default=None, repr=False)
    undo_expires_at: datetime | None = None
    undone_at: datetime | None = None


@frozen
class Team:
    id: UUID
    name: str
    owner_id: UUID
    created_at: datetime


@frozen
class Membership:
    id: UUID
    team_id: UUID
    user_id: UUID
    role: Role
    joined_at: datetime


@frozen
class TeamSummary:
    """A team as one of its members sees it in a list: ``{"id", "name", "role"}``."""

    id: UUID
    name: str
    role: Role


@frozen
class Invite:
    id: UUID
    team_id: UUID
    email: str  # normalised: lower-cased
    role: Role
    token_hash: str = field(repr=False)
    expires_at: datetime
    created_by: UUID
    created_at: datetime
    accepted_at: datetime | None = None
    accepted_by: UUID | None = None
    revoked_at: datetime | None = None

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


@frozen
class Task:
    id: UUID
    team_id: UUID
    title: str
    description: str | None
    status: TaskStatus
    priority: Priority
    assignee_id: UUID | None
    created_by: UUID
    due_date: date | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = 1
    deleted_at: datetime | None = None
    idempotency_key: str | None = None

    # The rules of a change. Each answers the new task (a new version); the service
    # stores it and records the activity and events.

    def differing(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """The ``changes`` (field name -> new value) whose value differs from this task's."""
        return {name: value for name, value in changes.items() if getattr(self, name) != value}

    def with_changes(self, changes: Mapping[str, Any], now: datetime) -> Task:
        """This task with ``changes`` applied, or itself if none differs. A change to
        ``done`` sets ``completed_at``; a change away from ``done`` clears it."""
        differing = self.differing(changes)
        if not differing:
            return self
        after = attrs.evolve(self, **differing)
        if "status" in differing:
            if after.status is TaskStatus.DONE:
                after = attrs.evolve(after, completed_at=now)
            elif self.status is TaskStatus.DONE:
                after = attrs.evolve(after, completed_at=None)
        return attrs.evolve(after, version=self.version + 1, updated_at=now)

    def is_reopened_by(self, changes: Mapping[str, Any]) -> bool:
        """Whether ``changes`` take this done task away from ``done``."""
        return self.status is TaskStatus.DONE and changes.get("status", TaskStatus.DONE) != (
            TaskStatus.DONE
        )

    def reopened_status(self) -> TaskStatus:
        """The status a reopen gives: ``todo`` for a done task; any other keeps its own."""
        return TaskStatus.TODO if self.status is TaskStatus.DONE else self.status

    def deleted(self, now: datetime) -> Task:
        """Soft-deleted: out of gets and lists until restored."""
        return attrs.evolve(self, deleted_at=now, updated_at=now, version=self.version + 1)

    def restored(self, now: datetime) -> Task:
        """Back from a soft delete, or itself if it was not deleted."""
        if self.deleted_at is None:
            return self
        return attrs.evolve(self, deleted_at=None, updated_at=now, version=self.version + 1)


@frozen
class Comment:
    id: UUID
    task_id: UUID
    user_id: UUID
    content: str
    created_at: datetime
    updated_at: datetime


class ActivityKind(enum.StrEnum):
    CREATED = "created"
    CHANGED = "changed"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    COMPLETED = "completed"
    REOPENED = "reopened"
    DELETED = "deleted"
    RESTORED = "restored"
    COMMENTED = "commented"


@frozen
class TaskActivity:
    """One recorded change of a task: who did what, when; ``field`` old -> new for edits."""

    id: UUID
    task_id: UUID
    actor_id: UUID
    kind: ActivityKind
    created_at: datetime
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None


@frozen
class Event:
    """A domain event (``task.created``...). Written to the outbox with the change that
    caused it, and published only once the unit of work commits."""

    id: UUID
    name: str
    payload: dict[str, Any]
    occurred_at: datetime
