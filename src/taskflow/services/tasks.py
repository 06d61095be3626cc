"""The task service: create, update, complete, delete, assign, list, activity.

Who may do what is in ``taskflow.services.permissions`` (the whole matrix in
``docs/permissions.md``):

- any member of the task's team: create, read, list, read the activity;
- the creator, the assignee, an admin or the owner: update, assign, complete, reopen;
- the creator, an admin or the owner: delete and restore (not a mere assignee).

Checks run in this order: the input is valid (400), the task or team exists and is not
deleted (404), the actor is a member of its team (403 ``NotTeamMember``), the actor's part
in the task allows the action (403 ``PermissionDenied``), the version read is current (409).

The rules of a change itself (what ``done`` does to ``completed_at``, a new version) are
methods of the domain ``Task``. Every change is ONE unit of work holding the new task
row, one ``TaskActivity`` row per change (``created``, ``changed`` old -> new per field,
``assigned``...) and the events; the events are published only once it commits.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar
from uuid import UUID

from taskflow.domain.models import (
    ActivityKind,
    Membership,
    Priority,
    Task,
    TaskActivity,
    TaskStatus,
)
from taskflow.domain.queries import TaskSort, TimeKey
from taskflow.errors import (
    Conflict,
    IdempotencyKeyTaken,
    InvalidInput,
    NotTeamMember,
    TaskNotFound,
    VersionConflict,
)
from taskflow.events import TASK_ASSIGNED, TASK_COMPLETED, TASK_CREATED, make_event
from taskflow.ids import new_id
from taskflow.pagination import CursorCodec, Page
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.services.activity import activity_text, record_activity, user_refs
from taskflow.services.permissions import (
    check_task_delete,
    check_task_edit,
    require_member,
    require_task_member,
)
from taskflow.services.read_models import TaskView
from taskflow.services.task_inputs import (
    UNSET,
    Assign,
    CreateTask,
    PageRequest,
    TaskChanges,
    TaskFilters,
    Unset,
    task_filters,
)
from taskflow.services.task_paging import next_cursor, task_query
from taskflow.validation import validate

__all__ = ["TaskService"]


# Fields in the order their activity rows are written.
_FIELD_ORDER: Final = ("title", "description", "priority", "due_date", "status", "assignee_id")


class TaskService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, cursors: CursorCodec) -> None:
        self._uow = uow
        self._clock = clock
        self._cursors = cursors

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
        the other fields differ, and so do concurrent calls with the key; once that task
        is deleted, a retry is a ``Conflict`` (it is not made again). A task created
        ``done`` gets ``completed_at`` at once.
        """
        data = validate(
            CreateTask,
            title=title,
            description=description,
            priority=priority,
            status=status,
            assignee_id=assignee_id,
            due_date=due_date,
            idempotency_key=idempotency_key,
        )
        try:
            return self._create(actor_id, team_id, data)
        except IdempotencyKeyTaken:
            # A concurrent call with the same key stored its task first: answer that one.
            key = data.idempotency_key
            with self._uow(read_only=True) as uow:
                first = uow.tasks.get_by_idempotency_key(team_id, actor_id, key or "")
                if first is None:  # pragma: no cover - the key was taken in storage
                    raise
                return self._replayed(uow, first)

    def _create(self, actor_id: UUID, team_id: UUID, data: CreateTask) -> TaskView:
        now = self._clock.now()
        with self._uow() as uow:
            actor = require_member(uow, team_id, actor_id)
            if data.idempotency_key is not None:
                first = uow.tasks.get_by_idempotency_key(team_id, actor_id, data.idempotency_key)
                if first is not None:
                    return self._replayed(uow, first)
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
                        "assignee_id": activity_text(task.assignee_id),
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
        data = validate(TaskChanges, expected_version=expected_version, **given)
        for required in ("title", "status", "priority"):
            if required in given and getattr(data, required) is None:
                raise InvalidInput.for_field(required, "cannot be cleared")
        changes = {name: getattr(data, name) for name in given}
        now = self._clock.now()

        def apply() -> TaskView:
            with self._uow() as uow:
                task, membership = require_task_member(uow, task_id, actor_id)
                check_task_edit(task, membership, "edit")
                if data.expected_version is not None and data.expected_version != task.version:
                    raise VersionConflict()
                new_assignee = changes.get("assignee_id")
                if new_assignee is not None and new_assignee != task.assignee_id:
                    self._require_assignable(uow, membership, new_assignee)
                task = self._change(uow, task, actor_id, now, changes)
                view = self._view(uow, task)
                uow.commit()
            return view

        if data.expected_version is not None:
            return apply()  # the caller asked for the check: a conflict is the answer
        return _on_the_latest_version(apply)

    def assign(self, actor_id: UUID, task_id: UUID, *, assignee_id: UUID | None) -> TaskView:
        """Assign, reassign (a member of the task's team) or unassign (``None``).
        Allowed for whoever may update the task."""
        data = validate(Assign, assignee_id=assignee_id)
        now = self._clock.now()

        def apply() -> TaskView:
            with self._uow() as uow:
                task, membership = require_task_member(uow, task_id, actor_id)
                check_task_edit(task, membership, "assign")
                if data.assignee_id is not None and data.assignee_id != task.assignee_id:
                    self._require_assignable(uow, membership, data.assignee_id)
                task = self._change(uow, task, actor_id, now, {"assignee_id": data.assignee_id})
                view = self._view(uow, task)
                uow.commit()
            return view

        return _on_the_latest_version(apply)

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

        def apply() -> None:
            with self._uow() as uow:
                task, membership = require_task_member(uow, task_id, actor_id)
                check_task_delete(task, membership, "delete")
                uow.tasks.update(task.deleted(now))
                record_activity(uow, task.id, actor_id, ActivityKind.DELETED, now)
                uow.commit()

        _on_the_latest_version(apply)

    def restore(self, actor_id: UUID, task_id: UUID) -> TaskView:
        """Bring a soft-deleted task back (creator, admin, owner). Restoring a task that
        is not deleted changes nothing."""
        now = self._clock.now()

        def apply() -> TaskView:
            with self._uow() as uow:
                task = uow.tasks.get(task_id, include_deleted=True)
                if task is None:
                    raise TaskNotFound()
                membership = uow.members.get(task.team_id, actor_id)
                if membership is None:
                    raise NotTeamMember()
                check_task_delete(task, membership, "restore")
                if task.deleted_at is not None:
                    task = task.restored(now)
                    uow.tasks.update(task)
                    record_activity(uow, task.id, actor_id, ActivityKind.RESTORED, now)
                view = self._view(uow, task)
                uow.commit()
            return view

        return _on_the_latest_version(apply)

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
        filters = task_filters(
            status=status,
            priority=priority,
            assignee_id=assignee_id,
            unassigned=unassigned,
            created_by=created_by,
            due_before=due_before,
            due_after=due_after,
            overdue=overdue,
            q=q,
            sort=sort,
            order=order,
            limit=limit,
            cursor=cursor,
            with_total=with_total,
        )
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
        filters = task_filters(
            status=status,
            priority=priority,
            assignee_id=assignee_id,
            unassigned=unassigned,
            created_by=created_by,
            due_before=due_before,
            due_after=due_after,
            overdue=overdue,
            q=q,
            sort=sort,
            order=order,
            limit=limit,
            cursor=cursor,
            with_total=with_total,
        )
        with self._uow(read_only=True) as uow:
            team_ids = tuple(uow.members.team_ids_of_user(actor_id))
            if not team_ids:
                return Page(items=[], next_cursor=None, total=0 if filters.with_total else None)
            return self._page(uow, team_ids, filters)

    def activity(
        self, actor_id: UUID, task_id: UUID, *, limit: int = 50, cursor: str | None = None
    ) -> Page[TaskActivity]:
        """A task's history, oldest first (any member of its team)."""
        request = validate(PageRequest, limit=limit, cursor=cursor)
        after = self._cursors.decode_time(request.cursor) if request.cursor is not None else None
        with self._uow(read_only=True) as uow:
            require_task_member(uow, task_id, actor_id)
            rows = uow.activity.list_for_task(task_id, after, request.limit)
        next_cursor = None
        if rows.has_more and rows.items:
            last = rows.items[-1]
            next_cursor = self._cursors.encode_time(TimeKey(created_at=last.created_at, id=last.id))
        return Page(items=list(rows.items), next_cursor=next_cursor)

    # --- internals --------------------------------------------------------------------

    def _set_status(self, actor_id: UUID, task_id: UUID, status: TaskStatus) -> TaskView:
        now = self._clock.now()

        def apply() -> TaskView:
            with self._uow() as uow:
                task, membership = require_task_member(uow, task_id, actor_id)
                check_task_edit(task, membership, "change the status")
                wanted = task.reopened_status() if status is TaskStatus.TODO else status
                task = self._change(uow, task, actor_id, now, {"status": wanted})
                view = self._view(uow, task)
                uow.commit()
            return view

        return _on_the_latest_version(apply)

    def _change(
        self, uow: UnitOfWork, before: Task, actor_id: UUID, now: datetime, changes: dict[str, Any]
    ) -> Task:
        """Apply ``changes`` (only those that differ), with their side effects, activity
        and events; return the stored task (``before`` itself if nothing differs)."""
        differing = before.differing(changes)
        if not differing:
            return before
        if (
            before.is_reopened_by(differing)
            and "assignee_id" not in differing
            and before.assignee_id is not None
            and uow.members.get(before.team_id, before.assignee_id) is None
        ):
            # A done task keeps the assignee who did it, even after they left the team;
            # reopened, it must not stay assigned to someone outside the team.
            differing["assignee_id"] = None
        after = before.with_changes(differing, now)
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
            old_value=activity_text(old),
            new_value=activity_text(new),
        )

    @staticmethod
    def _emit_assigned(uow: UnitOfWork, task: Task, actor_id: UUID, now: datetime) -> None:
        uow.emit(
            make_event(
                TASK_ASSIGNED,
                {
                    "task_id": str(task.id),
                    "assignee_id": activity_text(task.assignee_id),
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

    def _page(
        self, uow: UnitOfWork, team_ids: tuple[UUID, ...], filters: TaskFilters
    ) -> Page[TaskView]:
        today = self._clock.now().astimezone(UTC).date()
        rows = uow.tasks.list(task_query(team_ids, filters, today, self._cursors))
        items = list(rows.items)[: filters.limit]
        cursor = next_cursor(filters, items[-1], self._cursors) if rows.has_more and items else None
        return Page(items=self._views(uow, items), next_cursor=cursor, total=rows.total)

    def _replayed(self, uow: UnitOfWork, first: Task) -> TaskView:
        """The answer to a retried create: the task its key made, unless deleted since."""
        if first.deleted_at is not None:
            raise Conflict(
                "The task made with this idempotency key was deleted since; use a new key "
                "to create another."
            )
        return self._view(uow, first)

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


_ATTEMPTS_WITHOUT_VERSION_CHECK: Final = 12
"""How often a change the caller asked no version check for is tried on the latest
version before the conflict is given up to the caller (a task being changed that often,
that fast, is busier than any person editing it)."""
_RETRY_SPREAD_SECONDS: Final = 0.002
"""Writers that collided wait a random moment up to this (times the attempt) before the
next try, so they do not collide again in lockstep."""

R = TypeVar("R")


def _on_the_latest_version(apply: Callable[[], R]) -> R:
    """Run ``apply`` (one unit of work that reads the task, then writes it on the version
    it read) again when another writer changed the task in between: the caller asked for
    no version check, so its change applies on top of theirs. Each try reads again, so
    the permission and the rules are checked on what is current."""
    for attempt in range(1, _ATTEMPTS_WITHOUT_VERSION_CHECK):
        try:
            return apply()
        except VersionConflict:
            time.sleep(random.uniform(0, _RETRY_SPREAD_SECONDS * attempt))  # noqa: S311
    return apply()
