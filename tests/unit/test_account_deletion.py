"""Account deletion: asked with the password, refused to a team's owner (409 naming the
teams), a grace period a login cancels, then the worker's job erases the account; and
what remains, table by table, on every backend."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import attrs
import pytest
from crew import Crew
from toolbox import texts

from taskflow import (
    Conflict,
    InvalidCredentials,
    OwnerMustTransfer,
    TaskFlow,
    TokenRevoked,
    UserNotFound,
)
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.bootstrap.worker import ERASE_INTERVAL, build_worker
from taskflow.domain.models import EX_MEMBER_NAME, Role
from taskflow.domain.notifications import PushSubscription
from taskflow.events import (
    INVITE_CREATED,
    USER_DELETION_CANCELLED,
    USER_DELETION_REQUESTED,
    USER_ERASED,
)
from taskflow.ids import new_id
from taskflow.services.auth.erasure import ERASED_PASSWORD_HASH
from taskflow.testing import FakeClock, drain

PASSWORD = "correct horse battery staple"
GRACE = timedelta(days=7)


def email_of(tf: TaskFlow, user_id: UUID) -> str:
    return tf.auth.me(user_id).email


def login(tf: TaskFlow, user_id: UUID) -> Any:
    return tf.auth.login(email=email_of(tf, user_id), password=PASSWORD)


# --- the request ------------------------------------------------------------------------


def test_a_request_schedules_the_erasure_and_ends_every_session(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher, clock: FakeClock
) -> None:
    drain(tf)
    session = login(tf, crew.member)
    email = email_of(tf, crew.member)
    due_at = tf.auth.request_deletion(crew.member, password=PASSWORD)
    assert due_at == clock.now() + GRACE
    assert tf.auth.profile(crew.member).deletion_due_at == due_at
    with pytest.raises(TokenRevoked):
        tf.auth.validate_token(session.token)
    (event,) = events.named(USER_DELETION_REQUESTED)
    assert event.payload["email"] == email
    assert event.payload["due_at"] == due_at.isoformat()
    (mail,) = drain(tf).mails
    assert (mail.type, mail.to) == ("user.deletion_requested", email)
    assert due_at.strftime("%Y-%m-%d %H:%M") in mail.text


def test_the_request_needs_the_password(tf: TaskFlow, crew: Crew) -> None:
    with pytest.raises(InvalidCredentials):
        tf.auth.request_deletion(crew.member, password="not the password")
    assert tf.auth.profile(crew.member).deletion_due_at is None


def test_an_owner_must_transfer_or_delete_their_teams_first(
    tf: TaskFlow, crew: Crew, make_user: Any
) -> None:
    second = tf.teams.create(crew.owner, name="Second crew")
    with pytest.raises(OwnerMustTransfer) as caught:
        tf.auth.request_deletion(crew.owner, password=PASSWORD)
    error = caught.value
    assert error.status == 409
    assert "Crew" in error.message
    assert "Second crew" in error.message
    assert sorted(team["name"] for team in error.to_dict()["teams"]) == ["Crew", "Second crew"]
    assert {team["id"] for team in error.teams} == {str(crew.team_id), str(second.id)}
    assert tf.auth.profile(crew.owner).deletion_due_at is None
    # Once the teams are handed over or deleted, the request goes through.
    tf.teams.transfer_ownership(crew.owner, crew.team_id, new_owner_id=crew.admin)
    tf.teams.delete(crew.owner, second.id)
    tf.auth.request_deletion(crew.owner, password=PASSWORD)


# --- the grace period -------------------------------------------------------------------


def test_a_login_in_the_grace_period_cancels_the_deletion(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher, clock: FakeClock
) -> None:
    tf.auth.request_deletion(crew.member, password=PASSWORD)
    clock.advance(GRACE - timedelta(minutes=1))
    login(tf, crew.member)
    assert tf.auth.profile(crew.member).deletion_due_at is None
    assert len(events.named(USER_DELETION_CANCELLED)) == 1
    clock.advance(timedelta(days=30))
    assert tf.auth.erase_due() == 0
    assert tf.auth.me(crew.member).name == "Member"


def test_nothing_is_erased_before_its_time(tf: TaskFlow, crew: Crew, clock: FakeClock) -> None:
    tf.auth.request_deletion(crew.member, password=PASSWORD)
    clock.advance(GRACE - timedelta(seconds=1))
    assert tf.auth.erase_due() == 0
    clock.advance(timedelta(seconds=1))
    assert tf.auth.erase_due() == 1
    assert tf.auth.erase_due() == 0  # once


def test_a_member_being_deleted_cannot_receive_a_team(tf: TaskFlow, crew: Crew) -> None:
    tf.auth.request_deletion(crew.admin, password=PASSWORD)
    with pytest.raises(Conflict) as caught:
        tf.teams.transfer_ownership(crew.owner, crew.team_id, new_owner_id=crew.admin)
    assert caught.value.status == 409
    assert tf.teams.get(crew.owner, crew.team_id).role == "owner"


def test_someone_who_became_an_owner_meanwhile_is_skipped_until_they_are_not(
    tf: TaskFlow, crew: Crew, clock: FakeClock
) -> None:
    tf.auth.request_deletion(crew.admin, password=PASSWORD)
    # Made owner in a race the transfer's check cannot see (written as it would be).
    with tf.uow_factory() as uow:
        assert uow.teams.set_owner(crew.team_id, crew.owner, crew.admin)
        assert uow.members.set_role(crew.team_id, crew.admin, Role.OWNER, expected=Role.ADMIN)
        assert uow.members.set_role(crew.team_id, crew.owner, Role.ADMIN, expected=Role.OWNER)
        uow.commit()
    clock.advance(GRACE)
    assert tf.auth.erase_due() == 0
    assert tf.auth.me(crew.admin).name == "Admin"
    assert tf.auth.profile(crew.admin).deletion_due_at is not None  # still due
    tf.teams.transfer_ownership(crew.admin, crew.team_id, new_owner_id=crew.owner)
    assert tf.auth.erase_due() == 1


def test_the_worker_runs_the_erasure_hourly(tf: TaskFlow) -> None:
    worker = build_worker(tf)
    jobs = {job.name: job for job in worker._jobs}
    assert jobs["erase-accounts"].run == tf.auth.erase_due
    assert jobs["erase-accounts"].interval == ERASE_INTERVAL == 3600


# --- the erasure ------------------------------------------------------------------------


@attrs.frozen
class Erased:
    user_id: UUID
    email: str
    name: str
    open_task: UUID
    done_task: UUID
    created_task: UUID
    comment: UUID


@pytest.fixture
def erased(tf: TaskFlow, crew: Crew, clock: FakeClock, add_member: Any) -> Erased:
    """The crew's admin, with a bit of everything, then erased."""
    admin = crew.admin
    tf.auth.update_profile(admin, name="Zhila Unique", language="en", timezone="Asia/Tehran")
    email = email_of(tf, admin)
    open_task = tf.tasks.create(crew.creator, crew.team_id, title="Open", assignee_id=admin)
    done_task = tf.tasks.create(crew.creator, crew.team_id, title="Done", assignee_id=admin)
    tf.tasks.complete(admin, done_task.id)
    created = tf.tasks.create(admin, crew.team_id, title="Made by the admin")
    comment = tf.comments.add(admin, open_task.id, content="My two cents")
    tf.comments.add(crew.creator, open_task.id, content="Thanks!")
    tf.invites.create(admin, crew.team_id, email="pending@example.com")  # never accepted
    add_member(crew.team_id, admin, name="Joiner")  # an invite they sent, accepted
    tf.invites.create(crew.outsider, crew.other_team_id, email=email)  # one to them
    tf.auth.request_email_verification(admin)
    tf.auth.request_email_change(admin, password=PASSWORD, new_email="later@example.com")
    drain(tf)
    with pytest.raises(InvalidCredentials):
        tf.auth.login(email=email, password="a wrong one")  # a login counter
    with tf.uow_factory() as uow:  # a device of theirs that receives Web Push
        uow.push_subscriptions.put(
            PushSubscription(
                id=new_id(),
                user_id=admin,
                endpoint=f"https://push.example.com/{admin.hex}",
                p256dh="BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
                auth="tBHItJI5svbpez7KI4CCXg",
                created_at=clock.now(),
            )
        )
        uow.commit()
    tf.auth.request_deletion(admin, password=PASSWORD)
    tf.tasks.assign(crew.owner, created.id, assignee_id=admin)  # a mail waiting
    clock.advance(GRACE)
    assert tf.auth.erase_due() == 1
    drain(tf)
    return Erased(
        user_id=admin,
        email=email,
        name="Zhila Unique",
        open_task=open_task.id,
        done_task=done_task.id,
        created_task=created.id,
        comment=comment.id,
    )


def test_an_erased_account_cannot_log_in_and_its_address_is_free(
    tf: TaskFlow, erased: Erased, events: RecordingEventPublisher
) -> None:
    with pytest.raises(InvalidCredentials):
        tf.auth.login(email=erased.email, password=PASSWORD)
    with pytest.raises(UserNotFound):
        tf.auth.me(erased.user_id)
    assert events.named(USER_ERASED)[-1].payload == {"user_id": str(erased.user_id)}
    newcomer = tf.auth.signup(email=erased.email, password=PASSWORD, name="Newcomer")
    assert newcomer.user.id != erased.user_id


def test_comments_and_activity_keep_an_ex_member_author(
    tf: TaskFlow, crew: Crew, erased: Erased
) -> None:
    comments = tf.comments.list(crew.owner, erased.open_task).items
    assert [(c.author.name, c.content) for c in comments] == [
        (EX_MEMBER_NAME, "My two cents"),
        ("Creator", "Thanks!"),
    ]
    assert comments[0].author.id == erased.user_id
    actors = {a.actor_id for a in tf.tasks.activity(crew.owner, erased.done_task).items}
    assert erased.user_id in actors  # they completed it


def test_their_open_tasks_are_unassigned_and_the_rest_stays(
    tf: TaskFlow, crew: Crew, erased: Erased
) -> None:
    assert tf.tasks.get(crew.owner, erased.open_task).assignee is None
    assert tf.tasks.get(crew.owner, erased.created_task).assignee is None
    done = tf.tasks.get(crew.owner, erased.done_task)
    assert done.assignee is not None
    assert (done.assignee.id, done.assignee.name) == (erased.user_id, EX_MEMBER_NAME)
    assert tf.tasks.get(crew.owner, erased.created_task).created_by == erased.user_id


def test_they_leave_every_team_and_their_pending_invites_go(
    tf: TaskFlow, crew: Crew, erased: Erased
) -> None:
    members = {m.user_id for m in tf.teams.list_members(crew.owner, crew.team_id)}
    assert erased.user_id not in members
    assert tf.invites.list_pending(crew.owner, crew.team_id) == []


def test_a_second_run_or_an_old_event_changes_nothing(
    tf: TaskFlow, erased: Erased, events: RecordingEventPublisher
) -> None:
    assert tf.auth.erase_due() == 0
    # Events about them handled again after the erasure (a redelivery) tell them nothing.
    for event in events.named(USER_DELETION_REQUESTED) + events.named(INVITE_CREATED):
        tf.notifications.handle_event(event)
    assert erased.email not in [mail.to for mail in drain(tf).mails]


# --- what remains, table by table -------------------------------------------------------


def stored_rows(tf: TaskFlow) -> dict[str, list[str]]:
    """Every row of every table (memory: every record of every collection) as text."""
    if hasattr(tf.uow_factory, "store"):
        store = tf.uow_factory.store
        tables: dict[str, list[str]] = {}
        for name in store._TABLES:
            collection = getattr(store, name)
            records = collection.items() if isinstance(collection, dict) else collection
            tables[name] = [" ".join(texts(record)) for record in records]
        return tables
    import sqlalchemy as sa  # noqa: PLC0415

    databases = tf.uow_factory.databases  # type: ignore[attr-defined]
    tables = {}
    for engine in databases.engines():
        with engine.connect() as connection:
            for table in databases.tables.metadata.sorted_tables:
                name = table.name.removeprefix(databases.tables.prefix)
                rows = connection.execute(sa.select(table)).all()
                if rows or name not in tables:
                    tables[name] = [" ".join(texts(tuple(row))) for row in rows]
    return tables


def mentioning(tf: TaskFlow, *needles: str) -> dict[str, list[str]]:
    found = {
        table: [row for row in rows if any(n.lower() in row.lower() for n in needles)]
        for table, rows in stored_rows(tf).items()
    }
    return {table: rows for table, rows in found.items() if rows}


def test_what_remains_in_every_table(tf: TaskFlow, erased: Erased, clock: FakeClock) -> None:
    # The outbox keeps the events of the past (their addresses too) until the relay
    # purges them, `retention` (7 days) after they were published.
    clock.advance(timedelta(days=7, seconds=1))
    with tf.uow_factory() as uow:
        uow.outbox.purge_published(clock.now() - timedelta(days=7))
        uow.commit()

    # Nothing anywhere holds their address (the one asked for in an email change too).
    assert mentioning(tf, erased.email, "later@example.com") == {}
    # Their name stays only where it was written into what OTHER people were told
    # (rendered "Zhila Unique invited you..." texts and their mails' log rows): see
    # docs/auth.md, "What an erasure does not reach".
    named = mentioning(tf, erased.name)
    assert set(named) <= {"notifications", "notification_log", "deliveries"}, set(named)
    assert not any(str(erased.user_id) in row for rows in named.values() for row in rows)

    # Their id stays only where the team's data points at them (and in the outbox's
    # user.erased event, until it is purged too).
    by_id = mentioning(tf, str(erased.user_id), erased.user_id.hex)
    memory = hasattr(tf.uow_factory, "store")
    activity, sessions = ("activity", "sessions") if memory else ("task_activity", "sessions")
    allowed = {"users", "tasks", "comments", activity, "invites", "outbox", sessions}
    assert set(by_id) <= allowed, set(by_id) - allowed
    assert len(by_id["users"]) == 1
    (stand_in,) = by_id["users"]
    assert EX_MEMBER_NAME in stand_in
    assert "erased.invalid" in stand_in
    assert ERASED_PASSWORD_HASH in stand_in
    assert len(by_id["comments"]) == 1  # their comment, under the ex-member
    assert len(by_id["tasks"]) == 2  # the task they made, and the done one
    (accepted,) = by_id["invites"]  # the one they sent that was accepted: team history
    assert "joiner" in accepted.lower() or "member-" in accepted.lower()
    assert all("user.erased" in row for row in by_id.get("outbox", []))
    if not memory:
        sessions_table = tf.uow_factory.databases.tables.sessions  # type: ignore[attr-defined]
        import sqlalchemy as sa  # noqa: PLC0415

        engine = tf.uow_factory.databases.engine_for("auth", read_only=False)  # type: ignore[attr-defined]
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(sessions_table).where(sessions_table.c.user_id == erased.user_id)
            ).all()
        assert rows
        assert all(row.revoked_at is not None for row in rows)
