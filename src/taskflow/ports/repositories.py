"""Repository ports: how the services read and write their data.

Rules every adapter keeps:

- Repositories never commit; the unit of work does.
- Writes that must not race are single conditional operations (``accept``, ``update`` with
  a version, ``rotate``...), answering whether they took effect, never read-then-write.
- A unique-constraint violation surfaces as the taskflow error named in the method's
  docstring (``EmailAlreadyExists``...), the same on every backend.
- Soft-deleted tasks are invisible unless a method says otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from taskflow.domain.models import (
    Comment,
    EmailChange,
    Invite,
    LoginFailures,
    Membership,
    OneTimeToken,
    OneTimeTokenPurpose,
    Role,
    Task,
    TaskActivity,
    Team,
    TeamSummary,
    User,
)
from taskflow.domain.queries import Slice, TaskQuery, TimeKey

__all__ = [
    "ActivityRepository",
    "CommentRepository",
    "DataExportRepository",
    "EmailChangeRepository",
    "InviteRepository",
    "LoginFailureRepository",
    "MembershipRepository",
    "OneTimeTokenRepository",
    "TaskRepository",
    "TeamRepository",
    "UserRepository",
]


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Insert. Raises ``EmailAlreadyExists`` if the (normalised) email is taken,
        ``HostUserAlreadyLinked`` if its ``external_id`` is."""

    def get(self, user_id: UUID) -> User | None: ...

    def get_by_email(self, email: str) -> User | None:
        """``email`` is already normalised (lower-cased)."""

    def get_by_external_id(self, external_id: str) -> User | None:
        """The user linked to this host user id (identity mode), if any. ``add`` and
        ``update`` raise ``HostUserAlreadyLinked`` when another user has the id."""

    def get_many(self, user_ids: Collection[UUID]) -> dict[UUID, User]:
        """Every user among ``user_ids`` in ONE query (no N+1); unknown ids are absent."""

    def get_with_teams(self, user_id: UUID) -> tuple[User, Sequence[TeamSummary]] | None:
        """The user and their teams (as ``MembershipRepository.teams_of_user`` orders
        them) in ONE query; None if there is no such user."""

    def update(self, user: User) -> None:
        """Replace the stored row with ``user`` (same id)."""

    def set_name(self, user_id: UUID, name: str, now: datetime) -> None:
        """Set only the name (so a concurrent email change is never overwritten)."""

    def set_password_hash(
        self, user_id: UUID, password_hash: str, now: datetime, *, expected: str | None
    ) -> bool:
        """Set only the password hash, if the stored one is still ``expected`` (None: any)
        and the user is not erased, in ONE conditional update; returns whether it did.
        (A whole-row ``update`` from a stale read could undo a concurrent email change,
        or write personal data back over an erased account.)"""

    def mark_verified(self, user_id: UUID, email: str, now: datetime) -> None:
        """Mark the email verified if it is still ``email`` (what was proven)."""

    def change_email(
        self, user_id: UUID, new_email: str, now: datetime, *, expected: str | None
    ) -> bool:
        """Set the (normalised) email, verified, only if the stored one is still
        ``expected`` (None: whatever it is), in ONE conditional update; returns whether
        it did. Raises ``EmailAlreadyExists`` if another account has ``new_email`` (the
        unique constraint decides a race)."""

    def set_deletion_due(self, user_id: UUID, due_at: datetime | None, now: datetime) -> bool:
        """Schedule (or with None cancel) the erasure of a user not erased yet; returns
        whether the stored ``deletion_due_at`` changed."""

    def due_for_erasure(self, now: datetime, limit: int) -> Sequence[UUID]:
        """Up to ``limit`` users whose ``deletion_due_at`` is at or before ``now``, the
        oldest due first."""

    def erase(self, user: User, now: datetime) -> bool:
        """Store ``user`` (the erased stand-in: its ``email``, ``name``, ``password_hash``
        and ``erased_at``) only if the stored row is still due for erasure at ``now``, in
        ONE conditional update; returns whether it did. False: a login cancelled the
        deletion meanwhile (or it was erased already)."""


class LoginFailureRepository(Protocol):
    """The lockout counters, per login subject (a hash of the email address tried: known
    and unknown addresses are counted alike, so the lockout tells nobody which exist)."""

    def get(self, subject: str) -> LoginFailures | None: ...

    def count_attempt(self, subject: str, now: datetime) -> LoginFailures:
        """Atomically count one attempt (creating the row) unless the subject is locked at
        ``now``, and return the state: ``count`` includes this attempt, or ``locked_until``
        is after ``now`` (then nothing was counted)."""

    def lock(self, subject: str, until: datetime) -> None:
        """Lock the subject until ``until`` and start the count again from zero."""

    def clear(self, subject: str) -> None:
        """Forget every attempt and any lock (after a successful login or a reset)."""

    def purge_stale(self, before: datetime) -> int:
        """Delete the counters last used before ``before`` whose lock (if any) ended
        before it too (unknown addresses would otherwise stay forever); returns how many."""


class OneTimeTokenRepository(Protocol):
    """Single-use tokens for email verification and password reset, stored as hashes."""

    def add(self, token: OneTimeToken) -> None: ...

    def get_by_hash(self, token_hash: str) -> OneTimeToken | None: ...

    def use(self, token_id: UUID, now: datetime) -> bool:
        """Mark used if still unused and unexpired, in one conditional update.
        Returns whether this call used it (False: already used, expired or unknown)."""

    def invalidate(self, user_id: UUID, purpose: OneTimeTokenPurpose, now: datetime) -> None:
        """Mark every unused token of this user and purpose as used."""

    def delete_for_user(self, user_id: UUID) -> int:
        """Delete every token of the user (their erasure); returns how many."""


class EmailChangeRepository(Protocol):
    """Email change requests; their tokens stored as hashes."""

    def add(self, change: EmailChange) -> None: ...

    def get_by_token_hash(self, token_hash: str) -> EmailChange | None: ...

    def get_by_undo_token_hash(self, undo_token_hash: str) -> EmailChange | None: ...

    def cancel_pending(self, user_id: UUID, now: datetime) -> int:
        """Cancel every unconfirmed, uncancelled request of the user; returns how many."""

    def confirm(
        self, change_id: UUID, undo_token_hash: str, undo_expires_at: datetime, now: datetime
    ) -> bool:
        """Mark confirmed (with its undo token) if still unconfirmed, uncancelled and
        unexpired at ``now``, in ONE conditional update. Of two concurrent calls exactly
        one returns True."""

    def undo(self, change_id: UUID, now: datetime) -> bool:
        """Mark undone if confirmed, not undone, and its undo token unexpired at ``now``;
        in ONE conditional update, returning whether this call did."""

    def delete_for_user(self, user_id: UUID) -> int:
        """Delete every request of the user (their erasure); returns how many."""


class TeamRepository(Protocol):
    def add(self, team: Team) -> None: ...

    def get(self, team_id: UUID) -> Team | None: ...

    def get_with_membership(
        self, team_id: UUID, user_id: UUID
    ) -> tuple[Team, Membership | None] | None:
        """The team and ``user_id``'s membership of it (None if not a member) in ONE
        query (the permission check of every team-scoped call); None if no such team."""

    def update(self, team: Team) -> None: ...

    def rename(self, team_id: UUID, name: str) -> None:
        """Set only the name (so a concurrent ownership transfer is never overwritten with
        a stale ``owner_id``)."""

    def set_owner(self, team_id: UUID, expected_owner_id: UUID, new_owner_id: UUID) -> bool:
        """Set ``owner_id`` to ``new_owner_id`` only if it is still ``expected_owner_id``,
        in ONE conditional update; returns whether it did. Of two concurrent transfers
        exactly one returns True, so a team never ends up with two owners."""

    def delete(self, team_id: UUID) -> None:
        """Delete the team, its memberships and its invites (the seed's ON DELETE CASCADE).
        Its tasks are removed by ``TaskRepository.delete_for_team``."""


class MembershipRepository(Protocol):
    def add(self, membership: Membership) -> None:
        """Insert. Raises ``AlreadyTeamMember`` if (team, user) already exists."""

    def get(self, team_id: UUID, user_id: UUID) -> Membership | None: ...

    def list_for_team(self, team_id: UUID) -> Sequence[Membership]:
        """Every member, ordered by (joined_at, id)."""

    def teams_of_user(self, user_id: UUID) -> Sequence[TeamSummary]:
        """The user's teams with their role, ordered by (team name, team id); one query."""

    def team_ids_of_user(self, user_id: UUID) -> Sequence[UUID]: ...

    def set_role(self, team_id: UUID, user_id: UUID, role: Role, *, expected: Role) -> bool:
        """Give the membership ``role`` if it still has role ``expected`` (the one the
        caller read); returns whether it did. False: removed or changed meanwhile."""

    def remove(self, team_id: UUID, user_id: UUID, *, expected: Role) -> bool:
        """Delete the membership if it still has role ``expected`` (the one the caller
        read, so a member made owner meanwhile is not removed); returns whether it did."""


class InviteRepository(Protocol):
    def add(self, invite: Invite) -> None: ...

    def get(self, invite_id: UUID) -> Invite | None: ...

    def get_by_token_hash(self, token_hash: str) -> Invite | None: ...

    def count_sent_by(self, user_id: UUID, since: datetime) -> int:
        """How many invites ``user_id`` created at or after ``since`` (any team, any state)."""

    def list_pending(self, team_id: UUID, now: datetime) -> Sequence[Invite]:
        """Unaccepted, unrevoked, unexpired invites of a team, newest first."""

    def accept(self, invite_id: UUID, user_id: UUID, now: datetime) -> bool:
        """Mark accepted in ONE conditional update (only if pending and unexpired).
        Of two concurrent calls exactly one returns True."""

    def revoke(self, invite_id: UUID, now: datetime) -> bool:
        """Mark revoked if still pending; returns whether it was."""

    def replace_token(self, invite_id: UUID, token_hash: str, expires_at: datetime) -> bool:
        """New token and expiry for a pending invite (the old token stops working)."""

    def list_pending_for_email(self, email: str, now: datetime) -> Sequence[Invite]:
        """Unaccepted, unrevoked, unexpired invites to ``email`` (normalised), in any
        team, newest first."""

    def drop_for_user(self, user_id: UUID, email: str) -> int:
        """Delete, for the erasure of ``user_id`` whose address is ``email``: every invite
        to that address or accepted by them (in any state: each holds their address),
        and the unaccepted ones they sent. Accepted invites they sent stay (the team's
        history; ``created_by`` then names the erased stand-in). Returns how many."""


class TaskRepository(Protocol):
    def add(self, task: Task) -> None:
        """Insert. Raises ``IdempotencyKeyTaken`` if (team_id, created_by, idempotency_key)
        is taken."""

    def get(self, task_id: UUID, *, include_deleted: bool = False) -> Task | None: ...

    def get_by_idempotency_key(self, team_id: UUID, created_by: UUID, key: str) -> Task | None:
        """The task this user created in this team with this key (deleted ones too)."""

    def update(self, task: Task) -> None:
        """Store ``task``, whose ``version`` is the stored version + 1, in ONE conditional
        update (``WHERE id = ? AND version = task.version - 1``). Raises
        ``VersionConflict`` and changes nothing if the stored version differs."""

    def list(self, query: TaskQuery) -> Slice[Task]:
        """One page, as ``TaskQuery`` documents."""

    def open_tasks_assigned_to(self, team_id: UUID, user_id: UUID) -> Sequence[Task]:
        """Tasks of the team assigned to the user whose status is not done, soft-deleted
        ones included (a restored task must not come back assigned to an ex-member)."""

    def delete_for_team(self, team_id: UUID) -> None:
        """Remove every task of a deleted team, with its comments and activity."""

    def list_involving(self, user_id: UUID) -> Sequence[Task]:
        """Every task the user created or is assigned, in any team, soft-deleted ones
        included, oldest first by (created_at, id): a data export's tasks."""


class CommentRepository(Protocol):
    def add(self, comment: Comment) -> None: ...

    def get(self, comment_id: UUID) -> Comment | None: ...

    def update(self, comment: Comment) -> None: ...

    def delete(self, comment_id: UUID) -> None: ...

    def list_for_task(self, task_id: UUID, after: TimeKey | None, limit: int) -> Slice[Comment]:
        """Oldest first by (created_at, id), starting strictly after ``after``."""

    def list_by_author(self, user_id: UUID) -> Sequence[Comment]:
        """Every comment the user wrote, on any task (deleted tasks' too), oldest first by
        (created_at, id): a data export's comments."""


class ActivityRepository(Protocol):
    def add(self, activity: TaskActivity) -> None: ...

    def list_for_task(
        self, task_id: UUID, after: TimeKey | None, limit: int
    ) -> Slice[TaskActivity]:
        """Oldest first by (created_at, id), starting strictly after ``after``."""


class DataExportRepository(Protocol):
    """When each user last asked for an export of their data: what rate-limits it."""

    def record(self, user_id: UUID, now: datetime, *, unless_since: datetime) -> bool:
        """Record that ``user_id`` asked at ``now``, unless a request of theirs is recorded
        after ``unless_since`` (strictly), in one conditional write; return whether this call
        recorded it. Of concurrent calls for one user, at most one returns True."""

    def last_requested_at(self, user_id: UUID) -> datetime | None:
        """When the user last asked (None: never)."""
