"""The task service: create, update, complete, delete, assign, list, activity.

Who may do what (the whole matrix is in ``docs/permissions.md``):

- any member of the task's team: create, read, list, read the activity;
- the creator, the assignee, an admin or the owner: update, assign, complete, reopen;
- the creator, an admin or the owner: delete and restore (not a mere assignee).

Checks run in this order: the input is valid (400), the task or team exists and is not
deleted (404), the actor is a member of its team (403 ``NotTeamMember``), the actor's part
in the task allows the action (403 ``PermissionDenied``), the version read is current (409).

Every change is ONE unit of work holding the new task row, one ``TaskActivity`` row per
change (``created``, ``changed`` old -> new per field, ``assigned``...) and the events;
the events are published only once it commits.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Final, Literal, NoReturn
from uuid import UUID

import attrs
from pydantic import BeforeValidator, Field, StringConstraints

from taskflow.domain.models import (
    ActivityKind,
    Membership,
    Priority,
    Role,
    Task,
    TaskActivity,
    TaskStatus,
    UserRef,
)
from taskflow.domain.queries import SortValue, TaskQuery, TaskSort, TimeKey
from taskflow.errors import (
    InvalidInput,
    NotTeamMember,
    PermissionDenied,
    TaskNotFound,
    VersionConflict,
)
from taskflow.events import TASK_ASSIGNED, TASK_COMPLETED, TASK_CREATED, make_event
from taskflow.ids import new_id
from taskflow.pagination import (
    Page,
    decode_sort_cursor,
    decode_time_cursor,
    encode_sort_cursor,
    encode_time_cursor,
)
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.services.permissions import require_member
from taskflow.validation import InputModel, trimmed, validate

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_PAGE_SIZE",
    "TASK_VIEW_FIELDS",
    "UNSET",
    "TaskService",
    "TaskView",
    "Unset",
    "record_activity",
    "require_task_member",
    "user_refs",
]

MAX_DESCRIPTION_LENGTH: Final = 10_000
MAX_PAGE_SIZE: Final = 100


class Unset(enum.Enum):
    """The type of ``UNSET``: "this field was not given", as opposed to ``None``
    ("clear this field") in a PATCH-style update."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


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


# --- input models --------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_due_date(value: object) -> object:
    """A ``date`` or a ``'YYYY-MM-DD'`` string; a datetime is refused (it is not a day)."""
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError("must be an ISO date (YYYY-MM-DD)")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO date (YYYY-MM-DD) that exists") from None
    return value


Title = Annotated[str, trimmed(1, 255)]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION_LENGTH)]
DueDate = Annotated[date, BeforeValidator(_parse_due_date)]
# Enums arrive as their plain string values ("high") from web layers: not strict here.
StatusValue = Annotated[TaskStatus, Field(strict=False)]
PriorityValue = Annotated[Priority, Field(strict=False)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class _CreateTask(InputModel):
    title: Title
    description: Description | None = None
    status: StatusValue = TaskStatus.TODO
    priority: PriorityValue = Priority.MEDIUM
    assignee_id: UUID | None = None
    due_date: DueDate | None = None
    idempotency_key: IdempotencyKey | None = None


class _TaskChanges(InputModel):
    """Only the given fields are set (``model_fields_set``); None means "clear"."""

    title: Title | None = None
    description: Description | None = None
    status: StatusValue | None = None
    priority: PriorityValue | None = None
    assignee_id: UUID | None = None
    due_date: DueDate | None = None
    expected_version: Annotated[int, Field(ge=1)] | None = None


class _Assign(InputModel):
    assignee_id: UUID | None


class _TaskFilters(InputModel):
    status: list[StatusValue] = Field(default_factory=list)
    priority: list[PriorityValue] = Field(default_factory=list)
    assignee_id: UUID | None = None
    unassigned: bool = False
    created_by: UUID | None = None
    due_before: DueDate | None = None
    due_after: DueDate | None = None
    overdue: bool = False
    q: Annotated[str, StringConstraints(max_length=255)] | None = None
    sort: Annotated[TaskSort, Field(strict=False)] = TaskSort.CREATED_AT
    order: Literal["asc", "desc"] = "desc"
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50
    cursor: Annotated[str, StringConstraints(max_length=1000)] | None = None
    with_total: bool = False


class _PageRequest(InputModel):
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50
    cursor: Annotated[str, StringConstraints(max_length=1000)] | None = None


def _as_list(value: object) -> object:
    """A filter given as one value or several (list, tuple, set) becomes a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


# --- helpers shared with the comment service ------------------------------------------


def require_task_member(uow: UnitOfWork, task_id: UUID, actor_id: UUID) -> tuple[Task, Membership]:
    """The live (not deleted) task and the actor's membership of its team:
    ``TaskNotFound`` (404) if there is no such task, ``NotTeamMember`` (403) if the actor
    is not in its team."""
    task = uow.tasks.get(task_id)
    if task is None:
        raise TaskNotFound()
    membership = uow.members.get(task.team_id, actor_id)
    if membership is None:
        raise NotTeamMember()
    return task, membership


def record_activity(
    uow: UnitOfWork,
    task_id: UUID,
    actor_id: UUID,
    kind: ActivityKind,
    now: datetime,
    *,
    field: str | None = None,
    old_value: str | None = None,
    new_value: str | None = None,
) -> None:
    """Add one ``TaskActivity`` row in the caller's unit of work."""
    uow.activity.add(
        TaskActivity(
            id=new_id(),
            task_id=task_id,
            actor_id=actor_id,
            kind=kind,
            created_at=now,
            field=field,
            old_value=old_value,
            new_value=new_value,
        )
    )


def user_refs(uow: UnitOfWork, user_ids: Iterable[UUID | None]) -> dict[UUID, UserRef]:
    """``{id: UserRef}`` for the given users, in one query."""
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    return {u.id: UserRef(id=u.id, name=u.name) for u in uow.users.get_many(wanted).values()}


def _may_edit(task: Task, membership: Membership) -> bool:
    return membership.role.at_least(Role.ADMIN) or membership.user_id in (
        task.created_by,
        task.assignee_id,
    )


def _may_delete(task: Task, membership: Membership) -> bool:
    return membership.role.at_least(Role.ADMIN) or membership.user_id == task.created_by


def _text(value: object) -> str | None:
    """How a field's value is written in the activity log."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _sort_value(task: Task, sort: TaskSort) -> SortValue:
    if sort is TaskSort.CREATED_AT:
        return task.created_at
    if sort is TaskSort.UPDATED_AT:
        return task.updated_at
    if sort is TaskSort.DUE_DATE:
        return task.due_date
    return task.priority.rank


def _cursor_kind(sort: TaskSort, order: str) -> str:
    # The order is part of the cursor's kind: a cursor made for another sort OR another
    # direction is refused instead of silently skipping tasks.
    return f"{sort.value}.{order}"


def _check_cursor_value(sort: TaskSort, value: SortValue) -> SortValue:
    if sort in (TaskSort.CREATED_AT, TaskSort.UPDATED_AT):
        ok = isinstance(value, datetime)
    elif sort is TaskSort.DUE_DATE:
        ok = value is None or (isinstance(value, date) and not isinstance(value, datetime))
    else:
        ok = isinstance(value, int) and 0 <= value <= max(p.rank for p in Priority)
    if not ok:
        raise InvalidInput.for_field("cursor", "is not a valid cursor for this list")
    return value


# Fields in the order their activity rows are written.
_FIELD_ORDER: Final = ("title", "description", "priority", "due_date", "status", "assignee_id")


class TaskService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    # --- create and read --------------------------------------------------------------

    def create(
        self,
        actor_id: UUID,
        team_id: UUID,
        *,
        title: str,
        description: str | None = None,
        priority: Priority | str = Priority.MEDIUM,
        status: TaskStatus | str = TaskStatus.TODO,
        assignee_id: UUID | None = None,
        due_date: date | str | None = None,
        idempotency_key: str | None = None,
    ) -> TaskView:
        """Create a task in a team the actor belongs to (any role).

        With an ``idempotency_key``, a retried create by the same user in the same team
        returns the task the first call made (nothing new is stored or emitted), even if
        the other fields differ. A task created ``done`` gets ``completed_at`` at once.
        """
        data = validate(
            _CreateTask,
            title=title,
            description=description,
            priority=priority,
            status=status,
            assignee_id=assignee_id,
            due_date=due_date,
            idempotency_key=idempotency_key,
        )
        now = self._clock.now()
        with self._uow() as uow:
            actor = require_member(uow, team_id, actor_id)
            if data.idempotency_key is not None:
                first = uow.tasks.get_by_idempotency_key(team_id, actor_id, data.idempotency_key)
                if first is not None:
                    return self._view(uow, first)
            if data.assignee_id is not None:
                self._require_assignable(uow, actor, data.assignee_id)
            task = Task(
                id=new_id(),
                team_id=team_id,
                title=data.title,
                description=data.description,
                status=data.status,
                priority=data.priority,
                assignee_id=data.assignee_id,
                created_by=actor_id,
                due_date=data.due_date,
                completed_at=now if data.status is TaskStatus.DONE else None,
                created_at=now,
                updated_at=now,
                idempotency_key=data.idempotency_key,
            )
            uow.tasks.add(task)
            record_activity(uow, task.id, actor_id, ActivityKind.CREATED, now)
            uow.emit(
                make_event(
                    TASK_CREATED,
                    {
                        "task_id": str(task.id),
                        "team_id": str(team_id),
                        "created_by": str(actor_id),
                        "assignee_id": _text(task.assignee_id),
                    },
                    now,
                )
            )
            if task.assignee_id is not None:
                record_activity(
                    uow,
                    task.id,
                    actor_id,
                    ActivityKind.ASSIGNED,
                    now,
                    field="assignee_id",
                    new_value=str(task.assignee_id),
                )
                self._emit_assigned(uow, task, actor_id, now)
            view = self._view(uow, task)
            uow.commit()
        return view

    def get(self, actor_id: UUID, task_id: UUID) -> TaskView:
        """A task of one of the actor's teams (404 if missing or deleted)."""
        with self._uow(read_only=True) as uow:
            task, _ = require_task_member(uow, task_id, actor_id)
            return self._view(uow, task)

    # --- changes ----------------------------------------------------------------------

    def update(
        self,
        actor_id: UUID,
        task_id: UUID,
        *,
        expected_version: int | None = None,
        title: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        status: TaskStatus | str | Unset = UNSET,
        priority: Priority | str | Unset = UNSET,
        assignee_id: UUID | Unset | None = UNSET,
        due_date: date | str | Unset | None = UNSET,
    ) -> TaskView:
        """Change only the given fields (PATCH). ``None`` clears ``description``,
        ``assignee_id`` or ``due_date``. With ``expected_version`` (the version the
        client read), a task changed since is refused with ``VersionConflict``.

        A change to ``done`` completes the task (``completed_at``, ``task.completed``);
        a change away from ``done`` clears ``completed_at``. Giving values equal to the
        current ones changes nothing (no new version).
        """
        given: dict[str, Any] = {
            name: value
            for name, value in {
                "title": title,
                "description": description,
                "status": status,
                "priority": priority,
                "assignee_id": assignee_id,
                "due_date": due_date,
            }.items()
            if value is not UNSET
        }
        data = validate(_TaskChanges, expected_version=expected_version, **given)
        for required in ("title", "status", "priority"):
            if required in given and getattr(data, required) is None:
                raise InvalidInput.for_field(required, "cannot be cleared")
        changes = {name: getattr(data, name) for name in given}
        now = self._clock.now()
        with self._uow() as uow:
            task, membership = require_task_member(uow, task_id, actor_id)
            if not _may_edit(task, membership):
                raise PermissionDenied("Only the creator, the assignee or an admin may edit.")
            if data.expected_version is not None and data.expected_version != task.version:
                raise VersionConflict()
            new_assignee = changes.get("assignee_id")
            if new_assignee is not None and new_assignee != task.assignee_id:
                self._require_assignable(uow, membership, new_assignee)
            task = self._change(uow, task, actor_id, now, changes)
            view = self._view(uow, task)
            uow.commit()
        return view

    def assign(self, actor_id: UUID, task_id: UUID, assignee_id: UUID | None) -> TaskView:
        """Assign, reassign (a member of the task's team) or unassign (``None``).
        Allowed for whoever may update the task."""
        data = validate(_Assign, assignee_id=assignee_id)
        now = self._clock.now()
        with self._uow() as uow:
            task, membership = require_task_member(uow, task_id, actor_id)
            if not _may_edit(task, membership):
                raise PermissionDenied("Only the creator, the assignee or an admin may assign.")
            if data.assignee_id is not None and data.assignee_id != task.assignee_id:
                self._require_assignable(uow, membership, data.assignee_id)
            task = self._change(uow, task, actor_id, now, {"assignee_id": data.assignee_id})
            view = self._view(uow, task)
            uow.commit()
        return view

    def complete(self, actor_id: UUID, task_id: UUID) -> TaskView:
        """Mark done (creator, assignee, admin, owner). A done task stays as it is."""
        return self._set_status(actor_id, task_id, TaskStatus.DONE)

    def reopen(self, actor_id: UUID, task_id: UUID) -> TaskView:
        """Set a done task back to ``todo`` and clear ``completed_at`` (same roles as
        complete). A task that is not done stays as it is."""
        return self._set_status(actor_id, task_id, TaskStatus.TODO)

    def delete(self, actor_id: UUID, task_id: UUID) -> None:
        """Soft-delete (creator, admin, owner): the task vanishes from gets and lists
        until restored; its comments and activity are kept."""
        now = self._clock.now()
        with self._uow() as uow:
            task, membership = require_task_member(uow, task_id, actor_id)
            if not _may_delete(task, membership):
                raise PermissionDenied("Only the creator or an admin may delete a task.")
            uow.tasks.update(
                attrs.evolve(task, deleted_at=now, updated_at=now, version=task.version + 1)
            )
            record_activity(uow, task.id, actor_id, ActivityKind.DELETED, now)
            uow.commit()

    def restore(self, actor_id: UUID, task_id: UUID) -> TaskView:
        """Bring a soft-deleted task back (creator, admin, owner). Restoring a task that
        is not deleted changes nothing."""
        now = self._clock.now()
        with self._uow() as uow:
            task = uow.tasks.get(task_id, include_deleted=True)
            if task is None:
                raise TaskNotFound()
            membership = uow.members.get(task.team_id, actor_id)
            if membership is None:
                raise NotTeamMember()
            if not _may_delete(task, membership):
                raise PermissionDenied("Only the creator or an admin may restore a task.")
            if task.deleted_at is not None:
                task = attrs.evolve(task, deleted_at=None, updated_at=now, version=task.version + 1)
                uow.tasks.update(task)
                record_activity(uow, task.id, actor_id, ActivityKind.RESTORED, now)
            view = self._view(uow, task)
            uow.commit()
        return view

    # --- lists ------------------------------------------------------------------------

    def list_team(
        self,
        actor_id: UUID,
        team_id: UUID,
        *,
        status: TaskStatus | str | Sequence[TaskStatus | str] | None = None,
        priority: Priority | str | Sequence[Priority | str] | None = None,
        assignee_id: UUID | None = None,
        unassigned: bool = False,
        created_by: UUID | None = None,
        due_before: date | str | None = None,
        due_after: date | str | None = None,
        overdue: bool = False,
        q: str | None = None,
        sort: TaskSort | str = TaskSort.CREATED_AT,
        order: str = "desc",
        limit: int = 50,
        cursor: str | None = None,
        with_total: bool = False,
    ) -> Page[TaskView]:
        """One page of a team's tasks (any member). Filters combine with AND; ``status``
        and ``priority`` take one value or several. ``overdue``: due before today (UTC)
        and not done. ``q``: case-insensitive text in the title. ``sort``: created_at,
        updated_at, due_date (undated last when ascending) or priority (by meaning);
        ties broken by id. Pass ``next_cursor`` back as ``cursor`` for the next page,
        with the same filters, sort and order."""
        filters = self._filters(locals())  # every filter argument, by name
        with self._uow(read_only=True) as uow:
            require_member(uow, team_id, actor_id)
            return self._page(uow, (team_id,), filters)

    def list_mine(
        self,
        actor_id: UUID,
        *,
        status: TaskStatus | str | Sequence[TaskStatus | str] | None = None,
        priority: Priority | str | Sequence[Priority | str] | None = None,
        assignee_id: UUID | None = None,
        unassigned: bool = False,
        created_by: UUID | None = None,
        due_before: date | str | None = None,
        due_after: date | str | None = None,
        overdue: bool = False,
        q: str | None = None,
        sort: TaskSort | str = TaskSort.CREATED_AT,
        order: str = "desc",
        limit: int = 50,
        cursor: str | None = None,
        with_total: bool = False,
    ) -> Page[TaskView]:
        """As ``list_team``, over the tasks of every team the actor belongs to."""
        filters = self._filters(locals())  # every filter argument, by name
        with self._uow(read_only=True) as uow:
            team_ids = tuple(uow.members.team_ids_of_user(actor_id))
            if not team_ids:
                return Page(items=[], next_cursor=None, total=0 if filters.with_total else None)
            return self._page(uow, team_ids, filters)

    def activity(
        self, actor_id: UUID, task_id: UUID, *, limit: int = 50, cursor: str | None = None
    ) -> Page[TaskActivity]:
        """A task's history, oldest first (any member of its team)."""
        request = validate(_PageRequest, limit=limit, cursor=cursor)
        after = decode_time_cursor(request.cursor) if request.cursor is not None else None
        with self._uow(read_only=True) as uow:
            require_task_member(uow, task_id, actor_id)
            rows = uow.activity.list_for_task(task_id, after, request.limit)
        next_cursor = None
        if rows.has_more and rows.items:
            last = rows.items[-1]
            next_cursor = encode_time_cursor(TimeKey(created_at=last.created_at, id=last.id))
        return Page(items=list(rows.items), next_cursor=next_cursor)

    # --- internals --------------------------------------------------------------------

    def _set_status(self, actor_id: UUID, task_id: UUID, status: TaskStatus) -> TaskView:
        now = self._clock.now()
        with self._uow() as uow:
            task, membership = require_task_member(uow, task_id, actor_id)
            if not _may_edit(task, membership):
                raise PermissionDenied(
                    "Only the creator, the assignee or an admin may change the status."
                )
            wanted = status
            if status is TaskStatus.TODO and task.status is not TaskStatus.DONE:
                wanted = task.status  # reopen only reopens a done task
            task = self._change(uow, task, actor_id, now, {"status": wanted})
            view = self._view(uow, task)
            uow.commit()
        return view

    def _change(
        self, uow: UnitOfWork, before: Task, actor_id: UUID, now: datetime, changes: dict[str, Any]
    ) -> Task:
        """Apply ``changes`` (only those that differ), with their side effects, activity
        and events; return the stored task (``before`` itself if nothing differs)."""
        differing = {k: v for k, v in changes.items() if getattr(before, k) != v}
        if not differing:
            return before
        if (
            differing.get("status", TaskStatus.DONE) != TaskStatus.DONE
            and before.status is TaskStatus.DONE
            and "assignee_id" not in differing
            and before.assignee_id is not None
            and uow.members.get(before.team_id, before.assignee_id) is None
        ):
            # A done task keeps the assignee who did it, even after they left the team;
            # reopened, it must not stay assigned to someone outside the team.
            differing["assignee_id"] = None
        after = attrs.evolve(before, **differing)
        if "status" in differing:
            if after.status is TaskStatus.DONE:
                after = attrs.evolve(after, completed_at=now)
            elif before.status is TaskStatus.DONE:
                after = attrs.evolve(after, completed_at=None)
        after = attrs.evolve(after, version=before.version + 1, updated_at=now)
        uow.tasks.update(after)
        for name in _FIELD_ORDER:
            if name in differing:
                self._record_change(
                    uow, before=before, after=after, name=name, actor_id=actor_id, now=now
                )
        return after

    def _record_change(
        self,
        uow: UnitOfWork,
        *,
        before: Task,
        after: Task,
        name: str,
        actor_id: UUID,
        now: datetime,
    ) -> None:
        old, new = getattr(before, name), getattr(after, name)
        kind = ActivityKind.CHANGED
        if name == "status":
            if new is TaskStatus.DONE:
                kind = ActivityKind.COMPLETED
                uow.emit(
                    make_event(
                        TASK_COMPLETED,
                        {
                            "task_id": str(after.id),
                            "completed_by": str(actor_id),
                            "created_by": str(after.created_by),
                        },
                        now,
                    )
                )
            elif old is TaskStatus.DONE:
                kind = ActivityKind.REOPENED
        elif name == "assignee_id":
            kind = ActivityKind.UNASSIGNED if new is None else ActivityKind.ASSIGNED
            if new is not None:
                self._emit_assigned(uow, after, actor_id, now)
        record_activity(
            uow,
            after.id,
            actor_id,
            kind,
            now,
            field=name,
            old_value=_text(old),
            new_value=_text(new),
        )

    @staticmethod
    def _emit_assigned(uow: UnitOfWork, task: Task, actor_id: UUID, now: datetime) -> None:
        uow.emit(
            make_event(
                TASK_ASSIGNED,
                {
                    "task_id": str(task.id),
                    "assignee_id": _text(task.assignee_id),
                    "assigned_by": str(actor_id),
                },
                now,
            )
        )

    @staticmethod
    def _require_assignable(uow: UnitOfWork, actor: Membership, assignee_id: UUID) -> None:
        """``assignee_id`` must be a member of the actor's team (the task's team). The
        actor assigning themselves was checked already, in this transaction: no query."""
        if assignee_id == actor.user_id:
            return
        if uow.members.get(actor.team_id, assignee_id) is None:
            raise InvalidInput.for_field("assignee_id", "must be a member of the task's team")

    def _filters(self, arguments: dict[str, Any]) -> _TaskFilters:
        raw = {name: arguments[name] for name in _TaskFilters.model_fields}
        raw["status"] = _as_list(raw["status"])
        raw["priority"] = _as_list(raw["priority"])
        filters = validate(_TaskFilters, **raw)
        if filters.unassigned and filters.assignee_id is not None:
            raise InvalidInput.for_field("unassigned", "cannot be combined with assignee_id")
        return filters

    def _page(
        self, uow: UnitOfWork, team_ids: tuple[UUID, ...], filters: _TaskFilters
    ) -> Page[TaskView]:
        kind = _cursor_kind(filters.sort, filters.order)
        after = None
        if filters.cursor is not None:
            value, last_id = decode_sort_cursor(filters.cursor, kind)
            after = (_check_cursor_value(filters.sort, value), last_id)
        q = filters.q.strip() if filters.q is not None else None
        today = self._clock.now().astimezone(UTC).date()
        query = TaskQuery(
            team_ids=team_ids,
            statuses=tuple(dict.fromkeys(filters.status)),
            priorities=tuple(dict.fromkeys(filters.priority)),
            assignee_id=filters.assignee_id,
            unassigned=filters.unassigned,
            created_by=filters.created_by,
            due_before=filters.due_before,
            due_after=filters.due_after,
            overdue_on=today if filters.overdue else None,
            title_contains=q or None,
            sort=filters.sort,
            descending=filters.order == "desc",
            limit=filters.limit,
            after=after,
            with_total=filters.with_total,
        )
        rows = uow.tasks.list(query)
        items = list(rows.items)[: filters.limit]
        next_cursor = None
        if rows.has_more and items:
            last = items[-1]
            next_cursor = encode_sort_cursor(kind, _sort_value(last, filters.sort), last.id)
        return Page(items=self._views(uow, items), next_cursor=next_cursor, total=rows.total)

    def _view(self, uow: UnitOfWork, task: Task) -> TaskView:
        return self._views(uow, [task])[0]

    @staticmethod
    def _views(uow: UnitOfWork, tasks: Sequence[Task]) -> list[TaskView]:
        # A page builds 50 views per request: the assignees are keyed by their UUID's
        # integer (hashed in C; a UUID hashes and compares in Python).
        assignees = {a.int: a for t in tasks if (a := t.assignee_id) is not None}
        refs_get = {u.id.int: u for u in user_refs(uow, assignees.values()).values()}.get
        return [
            TaskView(t, refs_get(t.assignee_id.int) if t.assignee_id is not None else None)
            for t in tasks
        ]
