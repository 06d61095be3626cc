"""Contract tests of the SQL adapter itself, on SQLite, PostgreSQL and MariaDB: schema
equals migrations, events in the outbox in the same transaction, error translation,
conditional writes, timestamps, no N+1. (The service tests in tests/unit are the other,
larger half of the contract suite: they run on every backend through ``tf``.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import attrs
import pytest
import sqlalchemy as sa
from sql_helpers import StatementCounter

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.adapters.sqlalchemy import SqlStorage, tables
from taskflow.adapters.sqlalchemy.migrate import (
    current_revision,
    head_revision,
    schema_differences,
)
from taskflow.domain.models import Membership, Priority, Role, Task, TaskStatus, User
from taskflow.domain.queries import TaskQuery
from taskflow.errors import (
    AlreadyTeamMember,
    Conflict,
    EmailAlreadyExists,
    VersionConflict,
)
from taskflow.events import make_event
from taskflow.ids import new_id
from taskflow.testing import FakeClock

NOW = datetime(2024, 2, 1, 10, 0, 0, 123456, tzinfo=UTC)


def a_user(email: str = "sara@example.com") -> User:
    return User(
        id=new_id(),
        email=email,
        password_hash="x",
        name="Sara",
        email_verified=False,
        created_at=NOW,
        updated_at=NOW,
    )


def a_task(team_id: UUID, created_by: UUID, **changes: object) -> Task:
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


def test_idempotency_keys_are_case_sensitive(sql_storage: SqlStorage) -> None:
    # MariaDB's default collations compare case-insensitively; taskflow's tables use a
    # binary collation so every backend agrees with the in-memory adapter.
    team, user = new_id(), new_id()
    with sql_storage.uow_factory() as uow:
        uow.tasks.add(a_task(team, user, idempotency_key="Key-1"))
        uow.tasks.add(a_task(team, user, idempotency_key="key-1"))
        uow.commit()
    with sql_storage.uow_factory(read_only=True) as uow:
        found = uow.tasks.get_by_idempotency_key(team, user, "key-1")
    assert found is not None
    assert found.idempotency_key == "key-1"


# --- the unit of work ----------------------------------------------------------------


def _outbox_names(storage: SqlStorage) -> list[str]:
    with storage.databases.auth.connect() as connection:
        return list(connection.execute(sa.select(tables.outbox.c.name)).scalars())


def test_events_are_written_to_the_outbox_with_the_change_and_published_after_commit(
    sql_storage: SqlStorage,
) -> None:
    events = RecordingEventPublisher()
    factory = type(sql_storage.uow_factory)(sql_storage.databases, events)
    user = a_user()
    with factory() as uow:
        uow.users.add(user)
        uow.emit(make_event("user.signup", {"user_id": str(user.id)}, NOW))
        uow.commit()
        assert events.events == []  # not before the unit ends
    assert [e.name for e in events.events] == ["user.signup"]
    assert _outbox_names(sql_storage) == ["user.signup"]
    with factory(read_only=True) as uow:
        claimed = uow.outbox.claim_unpublished(10)
    assert claimed == events.events  # same id, name, payload and time


def test_a_unit_left_without_commit_writes_nothing_and_publishes_nothing(
    sql_storage: SqlStorage,
) -> None:
    events = RecordingEventPublisher()
    factory = type(sql_storage.uow_factory)(sql_storage.databases, events)
    user = a_user()

    def failing_service() -> None:
        with factory() as uow:
            uow.users.add(user)
            uow.emit(make_event("user.signup", {"user_id": str(user.id)}, NOW))
            raise RuntimeError("the service failed half-way")

    with pytest.raises(RuntimeError):
        failing_service()
    with factory() as uow:
        assert uow.users.get(user.id) is None
    assert events.events == []
    assert _outbox_names(sql_storage) == []


def test_a_unique_violation_becomes_the_ports_error_and_the_unit_stays_usable(
    sql_storage: SqlStorage,
) -> None:
    with sql_storage.uow_factory() as uow:
        uow.users.add(a_user("sara@example.com"))
        with pytest.raises(EmailAlreadyExists):
            uow.users.add(a_user("sara@example.com"))
        # The violation was contained in a savepoint: the transaction goes on.
        uow.users.add(a_user("ali@example.com"))
        uow.commit()
    with sql_storage.uow_factory(read_only=True) as uow:
        assert uow.users.get_by_email("ali@example.com") is not None


def test_duplicate_membership_and_idempotency_key_are_typed_conflicts(
    sql_storage: SqlStorage, signup: Callable[..., UUID], sql_tf: TaskFlow
) -> None:
    owner = signup()
    team = sql_tf.teams.create(owner, name="Crew")
    with sql_storage.uow_factory() as uow:
        membership = uow.members.get(team.id, owner)
        assert membership is not None
        with pytest.raises(AlreadyTeamMember):
            uow.members.add(attrs.evolve(membership, id=new_id()))
        uow.tasks.add(a_task(team.id, owner, idempotency_key="k"))
        with pytest.raises(Conflict):
            uow.tasks.add(a_task(team.id, owner, idempotency_key="k"))
        uow.commit()


def test_a_stale_version_is_rejected_and_changes_nothing(sql_storage: SqlStorage) -> None:
    task = a_task(new_id(), new_id())
    with sql_storage.uow_factory() as uow:
        uow.tasks.add(task)
        uow.commit()
    with sql_storage.uow_factory() as uow:
        uow.tasks.update(attrs.evolve(task, title="First", version=2))
        uow.commit()
    with sql_storage.uow_factory() as uow:
        with pytest.raises(VersionConflict):
            uow.tasks.update(attrs.evolve(task, title="Stale", version=2))
        uow.commit()
    with sql_storage.uow_factory(read_only=True) as uow:
        stored = uow.tasks.get(task.id)
    assert stored is not None
    assert (stored.title, stored.version) == ("First", 2)


def test_conditional_writes_take_effect_once(
    sql_storage: SqlStorage, signup: Callable[..., UUID], sql_tf: TaskFlow
) -> None:
    owner = signup()
    team = sql_tf.teams.create(owner, name="Crew")
    other = signup()
    with sql_storage.uow_factory() as uow:
        invite = uow.invites.list_pending(team.id, NOW)
        assert invite == []
        failures = [uow.login_failures.record_failure(other, NOW) for _ in range(3)]
        assert [f.count for f in failures] == [1, 2, 3]
        uow.login_failures.lock(other, NOW + timedelta(minutes=15))
        locked = uow.login_failures.get(other)
        assert locked is not None
        assert (locked.count, locked.locked_until) == (0, NOW + timedelta(minutes=15))
        assert uow.teams.set_owner(team.id, owner, other) is True
        assert uow.teams.set_owner(team.id, owner, other) is False
        uow.commit()


def test_token_rotation_is_conditional(sql_storage: SqlStorage) -> None:
    from taskflow.domain.models import Session  # noqa: PLC0415

    user = a_user()
    with sql_storage.uow_factory() as uow:
        uow.users.add(user)
        uow.commit()
    store = sql_storage.token_store
    session = Session(
        id=new_id(),
        user_id=user.id,
        refresh_jti="a",
        created_at=NOW,
        last_used_at=NOW,
        expires_at=NOW + timedelta(days=7),
    )
    store.add_session(session)
    later = NOW + timedelta(minutes=1)
    assert store.rotate_session(session.id, "a", "b", later) is True
    assert store.rotate_session(session.id, "a", "c", later) is False  # reuse
    assert store.rotate_session(session.id, "b", "c", NOW + timedelta(days=8)) is False
    stored = store.get_session(session.id)
    assert stored is not None
    assert (stored.refresh_jti, stored.last_used_at) == ("b", later)
    store.deny("jti-1", NOW + timedelta(minutes=15))
    store.deny("jti-1", NOW + timedelta(minutes=30))  # twice: no error, later expiry kept
    assert store.is_denied("jti-1", NOW + timedelta(minutes=20)) is True
    assert store.is_denied("jti-1", NOW + timedelta(minutes=31)) is False
    assert store.revoke_user_sessions(user.id, later) == 1
    assert store.list_sessions(user.id, later) == []


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
        return sum("FROM team_members" in statement for statement in sent)

    assert membership_lookups(owner) == 0  # the actor's own, read with the team
    assert membership_lookups(other) == 1  # someone else's membership is checked


# --- task list order on SQL matches the documented order ------------------------------


def test_due_date_order_puts_tasks_without_a_date_last_ascending(
    sql_storage: SqlStorage,
) -> None:
    team, user = new_id(), new_id()
    undated = a_task(team, user)
    early = a_task(team, user, due_date=date(2024, 3, 1))
    late = a_task(team, user, due_date=date(2024, 4, 1))
    with sql_storage.uow_factory() as uow:
        for task in (undated, early, late):
            uow.tasks.add(task)
        uow.commit()
    from taskflow.domain.queries import TaskSort  # noqa: PLC0415

    with sql_storage.uow_factory(read_only=True) as uow:
        ascending = uow.tasks.list(TaskQuery((team,), sort=TaskSort.DUE_DATE, descending=False))
        after_late = uow.tasks.list(
            TaskQuery(
                (team,),
                sort=TaskSort.DUE_DATE,
                descending=False,
                after=(late.due_date, late.id),
            )
        )
        descending = uow.tasks.list(
            TaskQuery((team,), sort=TaskSort.DUE_DATE, after=(None, undated.id))
        )
    assert [t.id for t in ascending.items] == [early.id, late.id, undated.id]
    assert [t.id for t in after_late.items] == [undated.id]
    assert [t.id for t in descending.items] == [late.id, early.id]


def test_a_team_deleted_takes_its_tasks_comments_and_activity(
    sql_storage: SqlStorage, clock: FakeClock
) -> None:
    del clock
    team, user = new_id(), new_id()
    task = a_task(team, user)
    with sql_storage.uow_factory() as uow:
        uow.tasks.add(task)
        uow.commit()
    with sql_storage.uow_factory() as uow:
        uow.tasks.delete_for_team(team)
        uow.commit()
    with sql_storage.uow_factory(read_only=True) as uow:
        assert uow.tasks.get(task.id, include_deleted=True) is None


def test_the_tasks_table_lists_its_columns_in_the_order_of_the_task_fields() -> None:
    # The repository builds Task objects from rows positionally (the hot path of lists).
    assert [f.name for f in attrs.fields(Task)] == [c.name for c in tables.tasks.columns]


def test_title_search_ignores_case_beyond_ascii(sql_storage: SqlStorage) -> None:
    # SQLite's own lower() folds ASCII only; taskflow installs Python's on SQLite.
    team, user = new_id(), new_id()
    wanted = a_task(team, user, title="ÄRGER mit der Übersetzung")
    with sql_storage.uow_factory() as uow:
        uow.tasks.add(wanted)
        uow.tasks.add(a_task(team, user, title="Something else"))
        uow.commit()
    with sql_storage.uow_factory(read_only=True) as uow:
        found = uow.tasks.list(TaskQuery((team,), title_contains="übersetzung"))
        escaped = uow.tasks.list(TaskQuery((team,), title_contains="%"))
    assert [t.id for t in found.items] == [wanted.id]
    assert escaped.items == []  # LIKE wildcards in the search are literal
