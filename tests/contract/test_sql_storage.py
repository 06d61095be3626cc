"""Tests of the SQL adapter itself, on SQLite, PostgreSQL and MariaDB: schema equals
migrations, timestamps, no N+1. (The rules every storage keeps, memory included, are in
the contract suites test_*_contract.py; the service tests in tests/unit run on every
backend through ``tf``.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import attrs
import pytest
import sqlalchemy as sa
from builders import NOW, a_user
from sql_helpers import StatementCounter

from taskflow import TaskFlow
from taskflow.adapters.sqlalchemy import SqlStorage, tables
from taskflow.adapters.sqlalchemy.migrate import (
    current_revision,
    head_revision,
    schema_differences,
)
from taskflow.domain.models import Membership, Role, Task
from taskflow.ids import new_id

# --- schema --------------------------------------------------------------------------


def test_the_migrated_schema_equals_the_metadata(sql_storage: SqlStorage) -> None:
    # sql_storage was built from empty by `alembic upgrade head`.
    engine = sql_storage.databases.auth
    assert current_revision(engine) == head_revision()
    assert schema_differences(engine) == []


def test_timestamps_come_back_timezone_aware_utc_with_microseconds(
    sql_storage: SqlStorage,
) -> None:
    tehran = datetime(2024, 2, 1, 13, 30, 0, 654321, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Tehran")
    )
    user = attrs.evolve(a_user(), created_at=tehran)
    with sql_storage.uow_factory() as uow:
        uow.users.add(user)
        uow.commit()
    with sql_storage.uow_factory(read_only=True) as uow:
        stored = uow.users.get(user.id)
    assert stored is not None
    assert stored.created_at == tehran
    assert stored.created_at.tzinfo is UTC
    assert stored.created_at.microsecond == 654321
    assert stored.updated_at == NOW


def test_a_naive_datetime_is_refused(sql_storage: SqlStorage) -> None:
    user = attrs.evolve(a_user(), created_at=datetime(2024, 1, 1))
    with pytest.raises(sa.exc.StatementError), sql_storage.uow_factory() as uow:
        uow.users.add(user)


# --- no N+1 --------------------------------------------------------------------------


def test_listing_a_page_issues_the_same_statements_whatever_its_size(
    sql_tf: TaskFlow,
    signup: Callable[..., UUID],
    count_statements: StatementCounter,
) -> None:
    owner = signup()
    team = sql_tf.teams.create(owner, name="Crew")
    people = [signup() for _ in range(5)]
    with sql_tf.uow_factory() as uow:  # members straight away: invites are tested elsewhere
        for person in people:
            uow.members.add(Membership(new_id(), team.id, person, Role.MEMBER, NOW))
        uow.commit()
    for i in range(60):
        sql_tf.tasks.create(owner, team.id, title=f"Task {i}", assignee_id=people[i % 5])

    def statements_for(limit: int) -> int:
        before = count_statements.count
        page = sql_tf.tasks.list_team(owner, team.id, limit=limit, with_total=True)
        assert len(page.items) == limit
        assert all(item.assignee is not None for item in page.items)
        return count_statements.count - before

    small, large = statements_for(2), statements_for(50)
    assert small == large
    # the team and the membership check in ONE query, the page, the total, the
    # assignees in ONE query (+ BEGIN on SQLite, where taskflow starts transactions)
    assert large <= 5, count_statements.statements[-large:]


def test_an_authenticated_profile_read_is_two_statements(
    sql_tf: TaskFlow,
    signup: Callable[..., UUID],
    count_statements: StatementCounter,
) -> None:
    """What every ``GET /auth/me`` costs: the token check (denylist AND session in one
    statement) and the profile (the user and their teams in one statement)."""
    signup(email="sara@example.com")
    login = sql_tf.auth.login(email="sara@example.com", password="correct horse battery staple")
    for name in ("Zeta", "alpha", "Beta"):
        sql_tf.teams.create(login.user.id, name=name)
    before = count_statements.count
    profile = sql_tf.auth.me(sql_tf.auth.validate_token(login.token).user_id)
    sent = [s for s in count_statements.statements[before:] if not s.startswith("BEGIN")]
    assert len(sent) == 2, sent  # (SQLite's BEGIN, sent by taskflow itself, not counted)
    assert [team.name for team in profile.teams] == ["Beta", "Zeta", "alpha"]
    assert profile.email == "sara@example.com"


def test_get_auth_me_is_one_statement(
    sql_tf: TaskFlow,
    signup: Callable[..., UUID],
    count_statements: StatementCounter,
) -> None:
    """``me_for_token`` (what ``GET /auth/me`` calls): the SQL token store lives beside the
    users, so the token check and the profile are ONE statement."""
    signup(email="sara@example.com")
    login = sql_tf.auth.login(email="sara@example.com", password="correct horse battery staple")
    for name in ("Zeta", "alpha", "Beta"):
        sql_tf.teams.create(login.user.id, name=name)
    before = count_statements.count
    principal, profile = sql_tf.auth.me_for_token(login.token)
    sent = [s for s in count_statements.statements[before:] if not s.startswith("BEGIN")]
    assert len(sent) == 1, sent
    assert principal.user_id == login.user.id
    assert [team.name for team in profile.teams] == ["Beta", "Zeta", "alpha"]


def test_assigning_oneself_reuses_the_membership_checked_in_the_same_unit(
    sql_tf: TaskFlow,
    signup: Callable[..., UUID],
    count_statements: StatementCounter,
) -> None:
    owner, other = signup(), signup()
    team = sql_tf.teams.create(owner, name="Crew")
    with sql_tf.uow_factory() as uow:
        uow.members.add(Membership(new_id(), team.id, other, Role.MEMBER, NOW))
        uow.commit()

    def membership_lookups(assignee: UUID) -> int:
        before = count_statements.count
        sql_tf.tasks.create(owner, team.id, title="Mine", assignee_id=assignee)
        sent = count_statements.statements[before:]
        return sum(f"FROM {tables.team_members.name}" in statement for statement in sent)

    assert membership_lookups(owner) == 0  # the actor's own, read with the team
    assert membership_lookups(other) == 1  # someone else's membership is checked


# --- the mapping -----------------------------------------------------------------------


def test_the_tasks_table_lists_its_columns_in_the_order_of_the_task_fields() -> None:
    # The repository builds Task objects from rows positionally (the hot path of lists).
    assert [f.name for f in attrs.fields(Task)] == [c.name for c in tables.tasks.columns]
