"""In-memory repositories over an ``InMemoryStore``. They assume the caller's unit of work
holds the store's lock, which makes each conditional write atomic."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

import attrs

from taskflow.adapters.memory.store import InMemoryStore
from taskflow.domain.models import (
    Comment,
    Invite,
    LoginFailures,
    Membership,
    OneTimeToken,
    OneTimeTokenPurpose,
    Role,
    Task,
    TaskActivity,
    TaskStatus,
    Team,
    TeamSummary,
    User,
)
from taskflow.domain.queries import Slice, SortValue, TaskQuery, TaskSort, TimeKey
from taskflow.errors import AlreadyTeamMember, Conflict, EmailAlreadyExists, VersionConflict

__all__ = [
    "InMemoryActivityRepository",
    "InMemoryCommentRepository",
    "InMemoryInviteRepository",
    "InMemoryLoginFailureRepository",
    "InMemoryMembershipRepository",
    "InMemoryOneTimeTokenRepository",
    "InMemoryTaskRepository",
    "InMemoryTeamRepository",
    "InMemoryUserRepository",
    "task_sort_value",
]

T = TypeVar("T")


class _Repository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store


class InMemoryUserRepository(_Repository):
    def add(self, user: User) -> None:
        if any(u.email == user.email for u in self._store.users.values()):
            raise EmailAlreadyExists()
        self._store.users[user.id] = user

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
        if any(u.email == user.email and u.id != user.id for u in self._store.users.values()):
            raise EmailAlreadyExists()
        self._store.users[user.id] = user


class InMemoryLoginFailureRepository(_Repository):
    def get(self, user_id: UUID) -> LoginFailures | None:
        return self._store.login_failures.get(user_id)

    def record_failure(self, user_id: UUID, now: datetime) -> LoginFailures:
        current = self._store.login_failures.get(user_id)
        count = current.count + 1 if current else 1
        locked_until = current.locked_until if current else None
        state = LoginFailures(user_id, count, now, locked_until)
        self._store.login_failures[user_id] = state
        return state

    def lock(self, user_id: UUID, until: datetime) -> None:
        current = self._store.login_failures.get(user_id)
        last = current.last_failed_at if current else until
        self._store.login_failures[user_id] = LoginFailures(user_id, 0, last, until)

    def clear(self, user_id: UUID) -> None:
        self._store.login_failures.pop(user_id, None)


class InMemoryOneTimeTokenRepository(_Repository):
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


class InMemoryTeamRepository(_Repository):
    def add(self, team: Team) -> None:
        self._store.teams[team.id] = team

    def get(self, team_id: UUID) -> Team | None:
        return self._store.teams.get(team_id)

    def get_with_membership(
        self, team_id: UUID, user_id: UUID
    ) -> tuple[Team, Membership | None] | None:
        team = self._store.teams.get(team_id)
        if team is None:
            return None
        return team, self._store.members.get((team_id, user_id))

    def update(self, team: Team) -> None:
        self._store.teams[team.id] = team

    def rename(self, team_id: UUID, name: str) -> None:
        team = self._store.teams.get(team_id)
        if team is not None:
            self._store.teams[team_id] = attrs.evolve(team, name=name)

    def set_owner(self, team_id: UUID, expected_owner_id: UUID, new_owner_id: UUID) -> bool:
        team = self._store.teams.get(team_id)
        if team is None or team.owner_id != expected_owner_id:
            return False
        self._store.teams[team_id] = attrs.evolve(team, owner_id=new_owner_id)
        return True

    def delete(self, team_id: UUID) -> None:
        self._store.teams.pop(team_id, None)
        for key in [k for k in self._store.members if k[0] == team_id]:
            del self._store.members[key]
        for invite_id in [i.id for i in self._store.invites.values() if i.team_id == team_id]:
            del self._store.invites[invite_id]


class InMemoryMembershipRepository(_Repository):
    def add(self, membership: Membership) -> None:
        key = (membership.team_id, membership.user_id)
        if key in self._store.members:
            raise AlreadyTeamMember()
        self._store.members[key] = membership

    def get(self, team_id: UUID, user_id: UUID) -> Membership | None:
        return self._store.members.get((team_id, user_id))

    def list_for_team(self, team_id: UUID) -> Sequence[Membership]:
        found = [m for m in self._store.members.values() if m.team_id == team_id]
        return sorted(found, key=lambda m: (m.joined_at, m.id))

    def teams_of_user(self, user_id: UUID) -> Sequence[TeamSummary]:
        summaries = [
            TeamSummary(id=m.team_id, name=self._store.teams[m.team_id].name, role=m.role)
            for m in self._store.members.values()
            if m.user_id == user_id and m.team_id in self._store.teams
        ]
        return sorted(summaries, key=lambda s: (s.name, s.id))

    def team_ids_of_user(self, user_id: UUID) -> Sequence[UUID]:
        return [m.team_id for m in self._store.members.values() if m.user_id == user_id]

    def set_role(self, team_id: UUID, user_id: UUID, role: Role) -> None:
        key = (team_id, user_id)
        self._store.members[key] = attrs.evolve(self._store.members[key], role=role)

    def remove(self, team_id: UUID, user_id: UUID) -> bool:
        return self._store.members.pop((team_id, user_id), None) is not None


class InMemoryInviteRepository(_Repository):
    def add(self, invite: Invite) -> None:
        self._store.invites[invite.id] = invite

    def get(self, invite_id: UUID) -> Invite | None:
        return self._store.invites.get(invite_id)

    def get_by_token_hash(self, token_hash: str) -> Invite | None:
        invites = self._store.invites.values()
        return next((i for i in invites if i.token_hash == token_hash), None)

    def list_pending(self, team_id: UUID, now: datetime) -> Sequence[Invite]:
        found = [
            i
            for i in self._store.invites.values()
            if i.team_id == team_id and i.is_pending and now < i.expires_at
        ]
        return sorted(found, key=lambda i: (i.created_at, i.id), reverse=True)

    def accept(self, invite_id: UUID, user_id: UUID, now: datetime) -> bool:
        invite = self._store.invites.get(invite_id)
        if invite is None or not invite.is_pending or now >= invite.expires_at:
            return False
        self._store.invites[invite_id] = attrs.evolve(invite, accepted_at=now, accepted_by=user_id)
        return True

    def revoke(self, invite_id: UUID, now: datetime) -> bool:
        invite = self._store.invites.get(invite_id)
        if invite is None or not invite.is_pending:
            return False
        self._store.invites[invite_id] = attrs.evolve(invite, revoked_at=now)
        return True

    def replace_token(self, invite_id: UUID, token_hash: str, expires_at: datetime) -> bool:
        invite = self._store.invites.get(invite_id)
        if invite is None or not invite.is_pending:
            return False
        self._store.invites[invite_id] = attrs.evolve(
            invite, token_hash=token_hash, expires_at=expires_at
        )
        return True


_FAR_FUTURE = date.max


def task_sort_value(task: Task, sort: TaskSort) -> SortValue:
    """The value a task is ordered by under ``sort`` (what a cursor records)."""
    if sort is TaskSort.CREATED_AT:
        return task.created_at
    if sort is TaskSort.UPDATED_AT:
        return task.updated_at
    if sort is TaskSort.DUE_DATE:
        return task.due_date
    return task.priority.rank


def _comparable(value: SortValue) -> tuple[int, object]:
    # None (no due date) orders after every date, as PostgreSQL orders NULL.
    return (1, _FAR_FUTURE) if value is None else (0, value)


class InMemoryTaskRepository(_Repository):
    def add(self, task: Task) -> None:
        if task.idempotency_key is not None and self.get_by_idempotency_key(
            task.team_id, task.created_by, task.idempotency_key
        ):
            raise Conflict("A task with this idempotency key already exists.")
        self._store.tasks[task.id] = task

    def get(self, task_id: UUID, *, include_deleted: bool = False) -> Task | None:
        task = self._store.tasks.get(task_id)
        if task is None or (task.deleted_at is not None and not include_deleted):
            return None
        return task

    def get_by_idempotency_key(self, team_id: UUID, created_by: UUID, key: str) -> Task | None:
        return next(
            (
                t
                for t in self._store.tasks.values()
                if t.team_id == team_id and t.created_by == created_by and t.idempotency_key == key
            ),
            None,
        )

    def update(self, task: Task) -> None:
        stored = self._store.tasks.get(task.id)
        if stored is None or stored.version != task.version - 1:
            raise VersionConflict()
        self._store.tasks[task.id] = task

    def list(self, query: TaskQuery) -> Slice[Task]:
        matching = [t for t in self._store.tasks.values() if _matches(t, query)]

        def key(task: Task) -> tuple[tuple[int, object], UUID]:
            return _comparable(task_sort_value(task, query.sort)), task.id

        matching.sort(key=key, reverse=query.descending)
        total = len(matching) if query.with_total else None
        if query.after is not None:
            position = (_comparable(query.after[0]), query.after[1])
            if query.descending:
                matching = [t for t in matching if key(t) < position]
            else:
                matching = [t for t in matching if key(t) > position]
        page = matching[: query.limit]
        return Slice(items=page, has_more=len(matching) > query.limit, total=total)

    def open_tasks_assigned_to(self, team_id: UUID, user_id: UUID) -> Sequence[Task]:
        return [
            t
            for t in self._store.tasks.values()
            if t.team_id == team_id and t.assignee_id == user_id and t.status is not TaskStatus.DONE
        ]

    def delete_for_team(self, team_id: UUID) -> None:
        task_ids = {t.id for t in self._store.tasks.values() if t.team_id == team_id}
        for task_id in task_ids:
            del self._store.tasks[task_id]
        for table in (self._store.comments, self._store.activity):
            for row_id in [r.id for r in table.values() if r.task_id in task_ids]:
                del table[row_id]


def _matches(task: Task, q: TaskQuery) -> bool:
    checks: list[Callable[[], bool]] = [
        lambda: task.deleted_at is None,
        lambda: task.team_id in q.team_ids,
        lambda: not q.statuses or task.status in q.statuses,
        lambda: not q.priorities or task.priority in q.priorities,
        lambda: q.assignee_id is None or task.assignee_id == q.assignee_id,
        lambda: not q.unassigned or task.assignee_id is None,
        lambda: q.created_by is None or task.created_by == q.created_by,
        lambda: (
            q.due_before is None or (task.due_date is not None and task.due_date < q.due_before)
        ),
        lambda: q.due_after is None or (task.due_date is not None and task.due_date > q.due_after),
        lambda: (
            q.overdue_on is None
            or (
                task.due_date is not None
                and task.due_date < q.overdue_on
                and task.status is not TaskStatus.DONE
            )
        ),
        lambda: q.title_contains is None or q.title_contains.lower() in task.title.lower(),
    ]
    return all(check() for check in checks)


def _time_slice(
    rows: list[T], key: Callable[[T], TimeKey], after: TimeKey | None, limit: int
) -> Slice[T]:
    rows.sort(key=lambda r: (key(r).created_at, key(r).id))
    if after is not None:
        rows = [r for r in rows if (key(r).created_at, key(r).id) > (after.created_at, after.id)]
    return Slice(items=rows[:limit], has_more=len(rows) > limit)


class InMemoryCommentRepository(_Repository):
    def add(self, comment: Comment) -> None:
        self._store.comments[comment.id] = comment

    def get(self, comment_id: UUID) -> Comment | None:
        return self._store.comments.get(comment_id)

    def update(self, comment: Comment) -> None:
        self._store.comments[comment.id] = comment

    def delete(self, comment_id: UUID) -> None:
        self._store.comments.pop(comment_id, None)

    def list_for_task(self, task_id: UUID, after: TimeKey | None, limit: int) -> Slice[Comment]:
        rows = [c for c in self._store.comments.values() if c.task_id == task_id]
        return _time_slice(rows, lambda c: TimeKey(c.created_at, c.id), after, limit)


class InMemoryActivityRepository(_Repository):
    def add(self, activity: TaskActivity) -> None:
        self._store.activity[activity.id] = activity

    def list_for_task(
        self, task_id: UUID, after: TimeKey | None, limit: int
    ) -> Slice[TaskActivity]:
        rows = [a for a in self._store.activity.values() if a.task_id == task_id]
        return _time_slice(rows, lambda a: TimeKey(a.created_at, a.id), after, limit)
