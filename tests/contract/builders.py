"""Domain objects for the repository-level tests, valid as they are; ``**changes``
overrides any field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from taskflow.domain.models import (
    Comment,
    Invite,
    Membership,
    OneTimeToken,
    OneTimeTokenPurpose,
    Priority,
    Role,
    Task,
    TaskStatus,
    Team,
    User,
)
from taskflow.ids import new_id

NOW = datetime(2024, 2, 1, 10, 0, 0, 123456, tzinfo=UTC)


def a_user(email: str = "sara@example.com", **changes: Any) -> User:
    user = User(
        id=new_id(),
        email=email,
        password_hash="x",
        name="Sara",
        email_verified=False,
        created_at=NOW,
        updated_at=NOW,
    )
    return attrs.evolve(user, **changes)


def a_team(owner_id: UUID, **changes: Any) -> Team:
    return attrs.evolve(
        Team(id=new_id(), name="Crew", owner_id=owner_id, created_at=NOW), **changes
    )


def a_membership(team_id: UUID, user_id: UUID, role: Role = Role.MEMBER) -> Membership:
    return Membership(id=new_id(), team_id=team_id, user_id=user_id, role=role, joined_at=NOW)


def an_invite(team_id: UUID, created_by: UUID, **changes: Any) -> Invite:
    invite = Invite(
        id=new_id(),
        team_id=team_id,
        email="ali@example.com",
        role=Role.MEMBER,
        token_hash=new_id().hex,
        expires_at=NOW + timedelta(days=7),
        created_by=created_by,
        created_at=NOW,
    )
    return attrs.evolve(invite, **changes)


def a_task(team_id: UUID, created_by: UUID, **changes: Any) -> Task:
    task = Task(
        id=new_id(),
        team_id=team_id,
        title="Write the report",
        description=None,
        status=TaskStatus.TODO,
        priority=Priority.MEDIUM,
        assignee_id=None,
        created_by=created_by,
        due_date=None,
        completed_at=None,
        created_at=NOW,
        updated_at=NOW,
    )
    return attrs.evolve(task, **changes)


def a_comment(task_id: UUID, user_id: UUID, **changes: Any) -> Comment:
    comment = Comment(
        id=new_id(),
        task_id=task_id,
        user_id=user_id,
        content="Done?",
        created_at=NOW,
        updated_at=NOW,
    )
    return attrs.evolve(comment, **changes)


def a_one_time_token(user_id: UUID, **changes: Any) -> OneTimeToken:
    token = OneTimeToken(
        id=new_id(),
        user_id=user_id,
        purpose=OneTimeTokenPurpose.PASSWORD_RESET,
        token_hash=new_id().hex,
        created_at=NOW,
        expires_at=NOW + timedelta(hours=1),
    )
    return attrs.evolve(token, **changes)
