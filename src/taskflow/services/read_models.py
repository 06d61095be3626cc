"""The read models: the values the services answer with.

Each is a frozen value built from domain objects, holding what its reader may see and
nothing more (no password hash, no token, no soft-delete mark). They are part of the
public API (``taskflow.__all__``); the web integrations serialise them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Final, NoReturn
from uuid import UUID

import attrs
from attrs import frozen

from taskflow.domain.models import (
    Invite,
    Priority,
    Role,
    Task,
    TaskStatus,
    TeamSummary,
    User,
    UserRef,
)

__all__ = [
    "TASK_VIEW_FIELDS",
    "AccountProfile",
    "AuthResult",
    "CommentView",
    "InviteInfo",
    "MemberInfo",
    "Principal",
    "SessionInfo",
    "TaskView",
    "TeamPermissions",
    "UserProfile",
]


# --- accounts and sessions --------------------------------------------------------------


@frozen
class UserProfile:
    """A user as they see themselves: no password hash, their teams with their role."""

    id: UUID
    email: str
    name: str
    email_verified: bool
    created_at: datetime
    teams: tuple[TeamSummary, ...] = ()

    @classmethod
    def of(cls, user: User, teams: Sequence[TeamSummary]) -> UserProfile:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            email_verified=user.email_verified,
            created_at=user.created_at,
            teams=tuple(teams),
        )


@frozen
class AccountProfile:
    """What a user may change about themself (``tf.auth.update_profile``): the profile,
    and the language and time zone their notifications use (kept in their notification
    preferences, the one home of both). ``deletion_due_at``: when the account will be
    erased, if its deletion was asked for."""

    profile: UserProfile
    language: str
    timezone: str
    deletion_due_at: datetime | None = None


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
    """Who a request speaks for: the user of a valid access token (with its session,
    token id and expiry), or, in identity mode, a user the host application
    authenticated (``host_user_id`` set; no session or token of taskflow's: None)."""

    user_id: UUID
    session_id: UUID | None
    jti: str | None
    expires_at: datetime | None
    host_user_id: str | None = None


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


# --- teams and invites ------------------------------------------------------------------


@frozen
class MemberInfo:
    """One member of a team as the team's members see them."""

    user_id: UUID
    name: str
    email: str
    role: Role
    joined_at: datetime


@frozen
class InviteInfo:
    """An invite as its team's admins see it. Never carries the token or its hash."""

    id: UUID
    team_id: UUID
    email: str
    role: Role
    expires_at: datetime
    created_by: UUID
    created_at: datetime

    @classmethod
    def of(cls, invite: Invite) -> InviteInfo:
        return cls(
            id=invite.id,
            team_id=invite.team_id,
            email=invite.email,
            role=invite.role,
            expires_at=invite.expires_at,
            created_by=invite.created_by,
            created_at=invite.created_at,
        )


# --- tasks and comments -----------------------------------------------------------------


@frozen
class CommentView:
    """A comment as the members of its task's team see it, with its author's name."""

    id: UUID
    task_id: UUID
    author: UserRef
    content: str
    created_at: datetime
    updated_at: datetime


class TaskView:
    """A task as clients see it: the stored fields plus ``assignee`` as ``{id, name}``
    (the seed's response). The idempotency key and the soft-delete mark stay inside.

    Immutable, equal and hashed by its public fields (``TASK_VIEW_FIELDS``). Not an attrs
    class: it reads its fields through to the stored ``Task`` rather than copying them
    (a page builds 50 views per request, and copying 13 fields into each cost a third of
    the Python time of a list call, docs/benchmarks.md), and an attrs field holding the
    ``Task`` would hand its hidden fields to ``attrs.asdict``."""

    __slots__ = ("_task", "assignee")
    _task: Task
    assignee: UserRef | None

    def __init__(self, task: Task, assignee: UserRef | None) -> None:
        object.__setattr__(self, "_task", task)
        object.__setattr__(self, "assignee", assignee)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise attrs.exceptions.FrozenInstanceError()

    def __delattr__(self, name: str) -> NoReturn:
        raise attrs.exceptions.FrozenInstanceError()

    def _public(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in TASK_VIEW_FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TaskView):
            return NotImplemented
        return self._public() == other._public()

    def __hash__(self) -> int:
        return hash(self._public())

    @property
    def id(self) -> UUID:
        return self._task.id

    @property
    def team_id(self) -> UUID:
        return self._task.team_id

    @property
    def title(self) -> str:
        return self._task.title

    @property
    def description(self) -> str | None:
        return self._task.description

    @property
    def status(self) -> TaskStatus:
        return self._task.status

    @property
    def priority(self) -> Priority:
        return self._task.priority

    @property
    def assignee_id(self) -> UUID | None:
        return self._task.assignee_id

    @property
    def created_by(self) -> UUID:
        return self._task.created_by

    @property
    def due_date(self) -> date | None:
        return self._task.due_date

    @property
    def completed_at(self) -> datetime | None:
        return self._task.completed_at

    @property
    def created_at(self) -> datetime:
        return self._task.created_at

    @property
    def updated_at(self) -> datetime:
        return self._task.updated_at

    @property
    def version(self) -> int:
        return self._task.version

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in TASK_VIEW_FIELDS)
        return f"TaskView({fields})"


TASK_VIEW_FIELDS: Final = (
    "id",
    "team_id",
    "title",
    "description",
    "status",
    "priority",
    "assignee_id",
    "assignee",
    "created_by",
    "due_date",
    "completed_at",
    "created_at",
    "updated_at",
    "version",
)
"""The fields of a ``TaskView``, in the order of the seed's task response."""
