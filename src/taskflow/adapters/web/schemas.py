"""The JSON of the REST contract: request bodies and query strings in, responses out.

Both frameworks parse requests with these models and serialize responses with them, so the
two reference servers speak exactly the same JSON, and FastAPI's OpenAPI document is built
from the very models that do the work.

Request models check only the JSON's shape (an object, the right types, no unknown field);
the services validate the values themselves (lengths, formats, rules) and answer with the
same ``InvalidInput`` either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator
from typing_extensions import TypeAliasType

from taskflow.domain.models import TaskActivity, TeamSummary, UserRef

__all__ = [
    "AcceptInviteIn",
    "ActivityOut",
    "AssignIn",
    "ChangeRoleIn",
    "CommentIn",
    "CommentOut",
    "CookieLoginOut",
    "EmailIn",
    "EndedSessionsOut",
    "ErrorBody",
    "ErrorOut",
    "FieldErrorOut",
    "HealthOut",
    "InviteIn",
    "InviteOut",
    "LoginIn",
    "LoginOut",
    "MarkedReadOut",
    "MemberOut",
    "NotificationListQuery",
    "NotificationOut",
    "PageOut",
    "PageQuery",
    "PasswordChangeIn",
    "PasswordResetIn",
    "DeletionIn",
    "DeletionOut",
    "EmailChangeIn",
    "PreferencesIn",
    "ProfileIn",
    "ProfileOut",
    "PreferencesOut",
    "PushKeyOut",
    "PushKeysIn",
    "PushSubscriptionIn",
    "PushSubscriptionListOut",
    "PushSubscriptionOut",
    "PushUnsubscribeIn",
    "ReadyOut",
    "RefreshIn",
    "SessionOut",
    "SignupIn",
    "SignupOut",
    "TaskCreateIn",
    "TaskListQuery",
    "TaskOut",
    "TaskUpdateIn",
    "TeamIn",
    "TeamOut",
    "TokenIn",
    "TransferIn",
    "UnreadCountOut",
    "UserOut",
    "UserRefOut",
    "UserWithTeamsOut",
    "page_of",
]

T = TypeVar("T")
OutT = TypeVar("OutT", bound=BaseModel)

# The shared enums are named type aliases: each is one named schema in the OpenAPI
# document (``TaskStatus``...) that a generated client turns into one named type, instead
# of a copy inlined into every field and parameter that uses it (which generators name
# after the field, e.g. ``ListTeamTasksTeamsTeamIdTasksGetPriorityType0Item``). Validation
# is that of the Literal. (The web schemas' own names: not the domain's enums of the same
# names, which this module does not import.)
TaskStatus = TypeAliasType("TaskStatus", Literal["todo", "in_progress", "done"])
Priority = TypeAliasType("Priority", Literal["low", "medium", "high"])
Role = TypeAliasType("Role", Literal["member", "admin", "owner"])
AssignableRole = TypeAliasType("AssignableRole", Literal["member", "admin"])
Language = TypeAliasType("Language", Literal["fa", "en"])
TaskSort = TypeAliasType("TaskSort", Literal["created_at", "updated_at", "due_date", "priority"])
SortOrder = TypeAliasType("SortOrder", Literal["asc", "desc"])


class _In(BaseModel):
    """A request body: a JSON object with exactly the documented fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- errors ----------------------------------------------------------------------------


class TeamRefOut(_Out):
    id: UUID
    name: str


class FieldErrorOut(_Out):
    field: str = Field(description="The field at fault: a body field, query parameter or header.")
    message: str


class ErrorBody(_Out):
    code: str = Field(description="Stable machine code, e.g. task_not_found, invalid_input.")
    message: str = Field(description="Human-readable; never holds internal details.")
    fields: list[FieldErrorOut] | None = Field(
        default=None, description="invalid_input only: each field at fault."
    )
    retry_after: int | None = Field(
        default=None, description="account_locked and rate_limited: seconds to wait."
    )
    teams: list[TeamRefOut] | None = Field(
        default=None, description="owner_must_transfer on a deletion: the teams still owned."
    )


class ErrorOut(_Out):
    """Every error response: ``{"error": {"code", "message", ...}}``."""

    error: ErrorBody


# --- users, auth -----------------------------------------------------------------------


class SignupIn(_In):
    email: str
    password: str
    name: str
    language: Language | None = Field(
        default=None,
        description="The user's language for mails and notifications. Omitted: the "
        "request's Accept-Language if it names fa or en, else the server's default "
        "(TASKFLOW_DEFAULT_LANGUAGE).",
    )


class LoginIn(_In):
    email: str
    password: str


class RefreshIn(_In):
    refresh_token: str


class TokenIn(_In):
    """A single-use token from a mail: email verification, invite acceptance."""

    token: str


class EmailIn(_In):
    email: str


class PasswordResetIn(_In):
    token: str
    new_password: str


class PasswordChangeIn(_In):
    current_password: str
    new_password: str


class UserRefOut(_Out):
    id: UUID
    name: str

    @classmethod
    def of(cls, ref: UserRef) -> UserRefOut:
        return cls(id=ref.id, name=ref.name)


class TeamOut(_Out):
    id: UUID
    name: str
    role: Role = Field(description="The caller's role in this team.")

    @classmethod
    def of(cls, team: TeamSummary) -> TeamOut:
        return cls(id=team.id, name=team.name, role=team.role.value)


class UserOut(_Out):
    id: UUID
    email: str
    name: str


class UserWithTeamsOut(_Out):
    id: UUID
    email: str
    name: str
    email_verified: bool
    created_at: datetime
    teams: list[TeamOut]


class ProfileIn(_In):
    """Only the fields sent change; none may be null."""

    name: str | None = Field(default=None, description="1-100 characters once trimmed.")
    language: Language | None = None
    timezone: str | None = Field(default=None, description="IANA zone, e.g. Asia/Tehran.")

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)}


class ProfileOut(UserWithTeamsOut):
    """``GET /auth/me``'s answer, with what ``PATCH /auth/me`` changes besides the name."""

    language: str = Field(description="Of the user's mails and notifications: fa or en.")
    timezone: str = Field(description="IANA zone of their quiet hours.")
    deletion_due_at: datetime | None = Field(
        description="When the account will be erased, if its deletion was asked for."
    )


class EmailChangeIn(_In):
    password: str = Field(description="The current password.")
    new_email: str = Field(description="The confirmation link is mailed there.")


class DeletionIn(_In):
    password: str = Field(description="The current password.")


class DeletionOut(_Out):
    deletion_due_at: datetime = Field(
        description="When the account will be erased; logging in before then cancels it."
    )


class SignupOut(_Out):
    user: UserOut
    token: str = Field(description="Access token (JWT, 15 minutes): Authorization: Bearer.")
    refresh_token: str = Field(description="Exchange at POST /auth/refresh (7 days, single use).")


class LoginOut(_Out):
    user: UserWithTeamsOut
    token: str
    refresh_token: str


class CookieLoginOut(_Out):
    """The web client's login and refresh answer: the refresh token is in the httpOnly
    ``taskflow_refresh`` cookie, never in the body."""

    user: UserWithTeamsOut
    token: str = Field(description="Access token (JWT, 15 minutes): Authorization: Bearer.")


class SessionOut(_Out):
    id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool = Field(description="True for the session of the token making this request.")


class EndedSessionsOut(_Out):
    ended: int = Field(description="How many sessions were ended.")


class DataExportOut(_Out):
    """A data export accepted: the worker mails it to the account's address."""

    requested_at: datetime
    next_request_at: datetime = Field(description="From when the next export may be asked for.")


# --- teams, members, invites -----------------------------------------------------------


class TeamIn(_In):
    name: str


class ChangeRoleIn(_In):
    role: AssignableRole


class TransferIn(_In):
    new_owner_id: UUID


class MemberOut(_Out):
    user_id: UUID
    name: str
    email: str
    role: Role
    joined_at: datetime


class InviteIn(_In):
    team_id: UUID
    email: str
    role: AssignableRole = "member"


class AcceptInviteIn(_In):
    token: str


class InviteOut(_Out):
    id: UUID
    team_id: UUID
    email: str
    role: Role
    expires_at: datetime
    created_by: UUID
    created_at: datetime


# --- tasks, comments -------------------------------------------------------------------


class TaskCreateIn(_In):
    title: str
    description: str | None = None
    priority: Priority = "medium"
    status: TaskStatus = "todo"
    assignee_id: UUID | None = None
    due_date: date | None = Field(default=None, description="YYYY-MM-DD")


class TaskUpdateIn(_In):
    """PATCH: only the fields sent change; ``null`` clears description, assignee, due date
    (and is refused for title, status and priority)."""

    title: str | None = None
    description: str | None = None
    status: TaskStatus | None = None
    priority: Priority | None = None
    assignee_id: UUID | None = None
    due_date: date | None = Field(default=None, description="YYYY-MM-DD")

    @field_validator("title", "status", "priority")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Runs only on values the client sent (defaults are not validated).
        if value is None:
            raise ValueError("may not be null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, by name."""
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)}


class AssignIn(_In):
    assignee_id: UUID | None = Field(description="A member of the task's team, or null.")


class TaskOut(_Out):
    id: UUID
    team_id: UUID
    title: str
    description: str | None
    status: TaskStatus
    priority: Priority
    assignee: UserRefOut | None
    created_by: UUID
    due_date: date | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Send it back in If-Match to refuse lost updates.")


class ActivityOut(_Out):
    id: UUID
    task_id: UUID
    actor_id: UUID
    kind: str
    field: str | None
    old_value: str | None
    new_value: str | None
    created_at: datetime

    @classmethod
    def of(cls, activity: TaskActivity) -> ActivityOut:
        return cls(
            id=activity.id,
            task_id=activity.task_id,
            actor_id=activity.actor_id,
            kind=activity.kind.value,
            field=activity.field,
            old_value=activity.old_value,
            new_value=activity.new_value,
            created_at=activity.created_at,
        )


class CommentIn(_In):
    content: str


class CommentOut(_Out):
    id: UUID
    task_id: UUID
    author: UserRefOut
    content: str
    created_at: datetime
    updated_at: datetime


# --- notifications ---------------------------------------------------------------------


class NotificationOut(_Out):
    id: UUID
    type: str = Field(description="task.assigned, task.completed, task.due_soon, invite.created...")
    text: str = Field(description="Rendered in the recipient's language.")
    data: dict[str, Any] = Field(description="The ids a client needs (task_id, team_id...).")
    created_at: datetime
    read_at: datetime | None
    archived_at: datetime | None


class UnreadCountOut(_Out):
    unread: int


class MarkedReadOut(_Out):
    marked_read: int = Field(description="How many notifications were marked read.")


class PreferencesIn(_In):
    """Only the fields sent change. Quiet hours are set (or cleared with null) together."""

    email: dict[str, bool] | None = Field(
        default=None, description='Mail on or off per type, e.g. {"task.completed": false}.'
    )
    push: dict[str, bool] | None = Field(
        default=None, description='Push on or off per type, e.g. {"task.due_soon": false}.'
    )
    quiet_hours_start: time | None = Field(default=None, description="HH:MM, wall clock.")
    quiet_hours_end: time | None = Field(default=None, description="HH:MM, wall clock.")
    timezone: str | None = Field(default=None, description="IANA zone, e.g. Asia/Tehran.")
    language: Language | None = None

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)}


class PreferencesOut(_Out):
    email: dict[str, bool] = Field(description="Whether each type is also mailed.")
    push: dict[str, bool] = Field(
        description="Whether each push type goes to the user's subscribed devices."
    )
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    timezone: str
    language: str


class PushKeyOut(_Out):
    public_key: str = Field(
        description="The VAPID public key, base64url: PushManager.subscribe's applicationServerKey."
    )


class PushKeysIn(_In):
    p256dh: str = Field(max_length=100, description="The device's P-256 key, base64url.")
    auth: str = Field(max_length=30, description="The device's 16-byte secret, base64url.")


class PushSubscriptionIn(_In):
    """The browser's ``PushSubscription.toJSON()``, as it is."""

    endpoint: str = Field(max_length=2000, description="The push service's URL for the device.")
    keys: PushKeysIn
    expirationTime: float | None = Field(  # noqa: N815 - the browser's name
        default=None, description="Ignored: a subscription that expires is removed then."
    )


class PushSubscriptionOut(_Out):
    id: UUID
    endpoint: str
    created_at: datetime


class PushSubscriptionListOut(_Out):
    items: list[PushSubscriptionOut]


class PushUnsubscribeIn(_In):
    endpoint: str = Field(max_length=2000)


# --- query strings ---------------------------------------------------------------------


class PageQuery(BaseModel):
    """``?limit=&cursor=`` of a paginated list."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, description="next_cursor of the previous page.")


class TaskListQuery(PageQuery):
    """Filters of a task list; ``status`` and ``priority`` may repeat (OR)."""

    status: list[TaskStatus] | None = None
    priority: list[Priority] | None = None
    assignee_id: UUID | None = None
    unassigned: bool = False
    created_by: UUID | None = None
    due_before: date | None = None
    due_after: date | None = None
    overdue: bool = False
    q: str | None = Field(default=None, description="Text in the title (case-insensitive).")
    sort: TaskSort = "created_at"
    order: SortOrder = "desc"

    def filters(self) -> dict[str, Any]:
        return self.model_dump()


class NotificationListQuery(PageQuery):
    unread_only: bool = False
    include_archived: bool = False


LIST_QUERY_FIELDS = frozenset({"status", "priority"})
"""Query parameters that may repeat (``?status=todo&status=done``)."""


# --- collections, operations -----------------------------------------------------------


class PageOut(_Out, Generic[T]):
    """Every collection: ``{"items": [...], "next_cursor": "..." | null}``."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end."
    )


def page_of(
    items: Iterable[Any], convert: Callable[[Any], OutT], next_cursor: str | None = None
) -> PageOut[OutT]:
    converted: Sequence[OutT] = [convert(item) for item in items]
    return PageOut[Any](items=list(converted), next_cursor=next_cursor)


class HealthOut(_Out):
    status: Literal["ok"]


class ReadyOut(_Out):
    status: Literal["ready", "degraded", "unavailable"]
    checks: dict[str, Literal["ok", "unavailable"]]
