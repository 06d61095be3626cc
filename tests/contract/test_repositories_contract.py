"""The repository ports' contract, on every backend (memory, SQLite, PostgreSQL,
MariaDB): unique keys become the port's typed errors, a stale version is refused,
conditional writes take effect only while the row still matches, and the documented
orders. The services rely on these rules, so the in-memory fakes are held to them too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import attrs
import pytest
from builders import (
    NOW,
    a_comment,
    a_membership,
    a_one_time_token,
    a_task,
    a_team,
    a_user,
    an_invite,
)

from ports_under_test import StorageUnderTest
from taskflow.domain.models import Role, Team, User
from taskflow.domain.queries import TaskQuery, TaskSort, TimeKey
from taskflow.errors import (
    AlreadyTeamMember,
    Conflict,
    EmailAlreadyExists,
    HostUserAlreadyLinked,
    VersionConflict,
)
from taskflow.ids import new_id
from taskflow.ports.unit_of_work import UnitOfWork


@attrs.frozen
class Crew:
    owner: User
    member: User
    team: Team


@pytest.fixture
def crew(storage: StorageUnderTest) -> Crew:
    """A team of two: its owner and a member."""
    owner, member = a_user("owner@example.com"), a_user("member@example.com")
    team = a_team(owner.id)
    with storage.uow_factory() as uow:
        uow.users.add(owner)
        uow.users.add(member)
        uow.teams.add(team)
        uow.members.add(a_membership(team.id, owner.id, Role.OWNER))
        uow.members.add(a_membership(team.id, member.id))
        uow.commit()
    return Crew(owner, member, team)


@pytest.fixture
def uow(storage: StorageUnderTest) -> Iterator[UnitOfWork]:
    """One open unit; what the test wrote is committed at its end."""
    with storage.uow_factory() as unit:
        yield unit
        unit.commit()


# --- unique keys -----------------------------------------------------------------------


def test_a_taken_email_is_refused_and_the_unit_stays_usable(
    storage: StorageUnderTest,
) -> None:
    with storage.uow_factory() as uow:
        uow.users.add(a_user("sara@example.com"))
        with pytest.raises(EmailAlreadyExists):
            uow.users.add(a_user("sara@example.com"))
        # The violation was contained (a savepoint on SQL): the unit goes on.
        uow.users.add(a_user("ali@example.com"))
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.users.get_by_email("ali@example.com") is not None
        assert uow.users.get_by_email("sara@example.com") is not None


def test_changing_ones_email_to_a_taken_one_is_refused(storage: StorageUnderTest) -> None:
    sara, ali = a_user("sara@example.com"), a_user("ali@example.com")
    with storage.uow_factory() as uow:
        uow.users.add(sara)
        uow.users.add(ali)
        with pytest.raises(EmailAlreadyExists):
            uow.users.update(attrs.evolve(ali, email="sara@example.com"))
        uow.users.update(attrs.evolve(ali, name="Ali"))  # its own email: no conflict
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.users.get(ali.id) == attrs.evolve(ali, name="Ali")


def test_a_host_user_id_links_one_user_and_many_users_have_none(
    storage: StorageUnderTest,
) -> None:
    bob = attrs.evolve(a_user("bob@example.com"), external_id="7")
    with storage.uow_factory() as uow:
        uow.users.add(bob)
        uow.users.add(a_user("sara@example.com"))  # no host id: NULLs never collide
        uow.users.add(a_user("ali@example.com"))
        with pytest.raises(HostUserAlreadyLinked):
            uow.users.add(attrs.evolve(a_user("eve@example.com"), external_id="7"))
        # Both keys taken: the host id is named (the caller cannot link it again).
        with pytest.raises(HostUserAlreadyLinked):
            uow.users.add(attrs.evolve(a_user("bob@example.com"), external_id="7"))
        with pytest.raises(EmailAlreadyExists):
            uow.users.add(attrs.evolve(a_user("bob@example.com"), external_id="8"))
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.users.get_by_external_id("7") == bob
        assert uow.users.get(bob.id) == bob
        assert uow.users.get_by_external_id("8") is None
        assert uow.users.get_by_external_id("07") is None  # text: compared exactly


def test_a_second_membership_of_the_same_user_is_a_typed_conflict(
    storage: StorageUnderTest, crew: Crew
) -> None:
    with storage.uow_factory() as uow:
        with pytest.raises(AlreadyTeamMember):
            uow.members.add(a_membership(crew.team.id, crew.member.id, Role.ADMIN))
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        membership = uow.members.get(crew.team.id, crew.member.id)
    assert membership is not None
    assert membership.role is Role.MEMBER


def test_an_idempotency_key_is_taken_once_per_team_and_creator(storage: StorageUnderTest) -> None:
    team, user = new_id(), new_id()
    first = a_task(team, user, idempotency_key="k")
    with storage.uow_factory() as uow:
        uow.tasks.add(first)
        with pytest.raises(Conflict):
            uow.tasks.add(a_task(team, user, idempotency_key="k"))
        uow.tasks.add(a_task(team, new_id(), idempotency_key="k"))  # another creator
        uow.tasks.add(a_task(new_id(), user, idempotency_key="k"))  # another team
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.tasks.get_by_idempotency_key(team, user, "k") == first


def test_idempotency_keys_are_case_sensitive(storage: StorageUnderTest) -> None:
    # MariaDB's default collations compare case-insensitively; taskflow's tables use a
    # binary collation so every backend agrees with the in-memory adapter.
    team, user = new_id(), new_id()
    with storage.uow_factory() as uow:
        uow.tasks.add(a_task(team, user, idempotency_key="Key-1"))
        uow.tasks.add(a_task(team, user, idempotency_key="key-1"))
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        found = uow.tasks.get_by_idempotency_key(team, user, "key-1")
    assert found is not None
    assert found.idempotency_key == "key-1"


# --- optimistic concurrency ------------------------------------------------------------


def test_a_stale_version_is_rejected_and_changes_nothing(storage: StorageUnderTest) -> None:
    task = a_task(new_id(), new_id())
    with storage.uow_factory() as uow:
        uow.tasks.add(task)
        uow.commit()
    with storage.uow_factory() as uow:
        uow.tasks.update(attrs.evolve(task, title="First", version=2))
        uow.commit()
    with storage.uow_factory() as uow:
        with pytest.raises(VersionConflict):
            uow.tasks.update(attrs.evolve(task, title="Stale", version=2))
        with pytest.raises(VersionConflict):
            uow.tasks.update(attrs.evolve(task, title="Skipping one", version=4))
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        stored = uow.tasks.get(task.id)
    assert stored is not None
    assert (stored.title, stored.version) == ("First", 2)


def test_updating_a_task_that_does_not_exist_is_a_version_conflict(
    uow: UnitOfWork,
) -> None:
    with pytest.raises(VersionConflict):
        uow.tasks.update(attrs.evolve(a_task(new_id(), new_id()), version=2))


# --- conditional writes ----------------------------------------------------------------


def test_the_owner_changes_only_from_the_expected_one(
    storage: StorageUnderTest, crew: Crew
) -> None:
    team, owner, member = crew.team.id, crew.owner.id, crew.member.id
    with storage.uow_factory() as uow:
        assert uow.teams.set_owner(team, owner, member) is True
        assert uow.teams.set_owner(team, owner, member) is False  # no longer the owner
        assert uow.teams.set_owner(new_id(), owner, member) is False
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        stored = uow.teams.get(team)
    assert stored is not None
    assert stored.owner_id == member


def test_a_membership_is_removed_once_and_only_with_the_role_read(
    storage: StorageUnderTest, crew: Crew
) -> None:
    with storage.uow_factory() as uow:
        # Read as an admin, but a member now: the removal changes nothing.
        assert uow.members.remove(crew.team.id, crew.member.id, expected=Role.ADMIN) is False
        assert uow.members.get(crew.team.id, crew.member.id) is not None
        assert uow.members.remove(crew.team.id, crew.member.id, expected=Role.MEMBER) is True
        assert uow.members.remove(crew.team.id, crew.member.id, expected=Role.MEMBER) is False
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.members.get(crew.team.id, crew.member.id) is None
        assert uow.members.team_ids_of_user(crew.member.id) == []


def test_a_role_is_set_only_on_a_membership_that_still_has_the_role_read(
    storage: StorageUnderTest, crew: Crew
) -> None:
    with storage.uow_factory() as uow:
        assert uow.members.set_role(crew.team.id, crew.member.id, Role.ADMIN, expected=Role.MEMBER)
        # Read as a member, an admin now: no change.
        assert not uow.members.set_role(
            crew.team.id, crew.member.id, Role.OWNER, expected=Role.MEMBER
        )
        uow.commit()
    with storage.uow_factory() as uow:
        assert uow.members.remove(crew.team.id, crew.member.id, expected=Role.ADMIN) is True
        gone = uow.members.set_role(crew.team.id, crew.member.id, Role.MEMBER, expected=Role.ADMIN)
        assert gone is False
        no_team = uow.members.set_role(new_id(), crew.owner.id, Role.MEMBER, expected=Role.OWNER)
        assert no_team is False
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.members.get(crew.team.id, crew.member.id) is None
        owner = uow.members.get(crew.team.id, crew.owner.id)
    assert owner is not None
    assert owner.role is Role.OWNER


def test_an_invite_is_accepted_or_revoked_once_and_only_while_pending(
    storage: StorageUnderTest, crew: Crew
) -> None:
    accepted, revoked, expired = (
        an_invite(crew.team.id, crew.owner.id),
        an_invite(crew.team.id, crew.owner.id),
        an_invite(crew.team.id, crew.owner.id, expires_at=NOW - timedelta(seconds=1)),
    )
    later = NOW + timedelta(minutes=1)
    with storage.uow_factory() as uow:
        for invite in (accepted, revoked, expired):
            uow.invites.add(invite)
        assert uow.invites.accept(accepted.id, crew.member.id, NOW) is True
        assert uow.invites.accept(accepted.id, crew.member.id, later) is False
        assert uow.invites.revoke(accepted.id, later) is False
        assert uow.invites.replace_token(accepted.id, "new-hash", later) is False
        assert uow.invites.revoke(revoked.id, NOW) is True
        assert uow.invites.revoke(revoked.id, later) is False
        assert uow.invites.accept(revoked.id, crew.member.id, later) is False
        assert uow.invites.accept(expired.id, crew.member.id, NOW) is False
        assert uow.invites.replace_token(expired.id, "renewed", NOW + timedelta(days=1)) is True
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        stored = uow.invites.get(accepted.id)
        renewed = uow.invites.get_by_token_hash("renewed")
        pending = uow.invites.list_pending(crew.team.id, NOW)
    assert stored is not None
    assert (stored.accepted_at, stored.accepted_by, stored.revoked_at) == (
        NOW,
        crew.member.id,
        None,
    )
    assert renewed is not None
    assert renewed.id == expired.id
    assert [i.id for i in pending] == [expired.id]


def test_pending_invites_are_listed_newest_first(uow: UnitOfWork, crew: Crew) -> None:
    older = an_invite(crew.team.id, crew.owner.id, created_at=NOW - timedelta(hours=1))
    newer = an_invite(crew.team.id, crew.owner.id)
    gone = an_invite(crew.team.id, crew.owner.id, expires_at=NOW)
    for invite in (older, newer, gone):
        uow.invites.add(invite)
    assert [i.id for i in uow.invites.list_pending(crew.team.id, NOW)] == [newer.id, older.id]


def test_a_one_time_token_is_used_once_and_not_after_it_expires(
    storage: StorageUnderTest, crew: Crew
) -> None:
    token = a_one_time_token(crew.member.id)
    expired = a_one_time_token(crew.member.id, expires_at=NOW)
    with storage.uow_factory() as uow:
        uow.one_time_tokens.add(token)
        uow.one_time_tokens.add(expired)
        assert uow.one_time_tokens.use(token.id, NOW) is True
        assert uow.one_time_tokens.use(token.id, NOW) is False
        assert uow.one_time_tokens.use(expired.id, NOW) is False
        assert uow.one_time_tokens.use(new_id(), NOW) is False
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        stored = uow.one_time_tokens.get_by_hash(token.token_hash)
    assert stored is not None
    assert stored.used_at == NOW


def test_invalidating_a_purpose_spends_only_the_unused_tokens_of_that_purpose(
    storage: StorageUnderTest, crew: Crew
) -> None:
    from taskflow.domain.models import OneTimeTokenPurpose  # noqa: PLC0415

    reset = a_one_time_token(crew.member.id)
    used = a_one_time_token(crew.member.id, used_at=NOW - timedelta(minutes=5))
    verify = a_one_time_token(crew.member.id, purpose=OneTimeTokenPurpose.VERIFY_EMAIL)
    with storage.uow_factory() as uow:
        for token in (reset, used, verify):
            uow.one_time_tokens.add(token)
        uow.one_time_tokens.invalidate(crew.member.id, OneTimeTokenPurpose.PASSWORD_RESET, NOW)
        assert uow.one_time_tokens.use(reset.id, NOW) is False
        assert uow.one_time_tokens.use(verify.id, NOW) is True
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        stored = uow.one_time_tokens.get_by_hash(used.token_hash)
    assert stored is not None
    assert stored.used_at == NOW - timedelta(minutes=5)  # kept its own time


def test_login_attempts_count_lock_and_clear(storage: StorageUnderTest) -> None:
    subject, other = "a" * 64, "b" * 64  # subjects are hashes of addresses, known or not
    until = NOW + timedelta(minutes=15)
    with storage.uow_factory() as uow:
        assert uow.login_failures.get(subject) is None
        attempts = [uow.login_failures.count_attempt(subject, NOW) for _ in range(3)]
        assert [a.count for a in attempts] == [1, 2, 3]
        assert attempts[-1].last_failed_at == NOW
        uow.login_failures.lock(subject, until)
        locked = uow.login_failures.get(subject)
        assert locked is not None
        assert (locked.count, locked.locked_until) == (0, until)
        # While locked, nothing is counted.
        during = uow.login_failures.count_attempt(subject, NOW + timedelta(minutes=1))
        assert (during.count, during.locked_until) == (0, until)
        # Once the lock is over, counting starts again from zero.
        after = uow.login_failures.count_attempt(subject, until)
        assert after.count == 1
        uow.login_failures.clear(subject)
        assert uow.login_failures.get(subject) is None
        uow.login_failures.lock(other, until)  # locked without an attempt first
        locked_other = uow.login_failures.get(other)
        assert locked_other is not None
        assert (locked_other.count, locked_other.locked_until) == (0, until)
        uow.commit()


def test_stale_login_counters_are_purged_but_not_running_locks(
    storage: StorageUnderTest,
) -> None:
    stale, locked, fresh = "c" * 64, "d" * 64, "e" * 64
    with storage.uow_factory() as uow:
        uow.login_failures.count_attempt(stale, NOW)
        uow.login_failures.count_attempt(locked, NOW)
        uow.login_failures.lock(locked, NOW + timedelta(days=2))
        uow.login_failures.count_attempt(fresh, NOW + timedelta(days=1))
        uow.commit()
    with storage.uow_factory() as uow:
        assert uow.login_failures.purge_stale(NOW + timedelta(hours=1)) == 1
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.login_failures.get(stale) is None
        assert uow.login_failures.get(locked) is not None
        assert uow.login_failures.get(fresh) is not None


def test_writes_to_rows_that_are_gone_do_not_bring_them_back(
    storage: StorageUnderTest, crew: Crew
) -> None:
    task = a_task(crew.team.id, crew.owner.id)
    comment = a_comment(task.id, crew.owner.id)
    with storage.uow_factory() as uow:
        uow.tasks.add(task)
        uow.comments.add(comment)
        uow.commit()
    ghost_team = a_team(crew.owner.id)
    with storage.uow_factory() as uow:
        uow.comments.delete(comment.id)
        uow.comments.delete(comment.id)  # twice: no error
        uow.commit()
    with storage.uow_factory() as uow:
        uow.comments.update(attrs.evolve(comment, content="Edited", updated_at=NOW))
        uow.teams.update(ghost_team)
        uow.teams.rename(ghost_team.id, "Nobody's")
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.comments.get(comment.id) is None
        assert uow.comments.list_for_task(task.id, None, 10).items == []
        assert uow.teams.get(ghost_team.id) is None


def test_a_team_renamed_and_updated_keeps_its_members(
    storage: StorageUnderTest, crew: Crew
) -> None:
    with storage.uow_factory() as uow:
        uow.teams.rename(crew.team.id, "Renamed")
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        found = uow.teams.get_with_membership(crew.team.id, crew.member.id)
        outsider = uow.teams.get_with_membership(crew.team.id, new_id())
        nothing = uow.teams.get_with_membership(new_id(), crew.member.id)
    assert found is not None
    team, membership = found
    assert team == attrs.evolve(crew.team, name="Renamed")
    assert membership is not None
    assert membership.role is Role.MEMBER
    assert outsider == (team, None)
    assert nothing is None


# --- reads and their orders ------------------------------------------------------------


def test_a_users_teams_come_in_code_point_order_of_their_names(
    storage: StorageUnderTest, crew: Crew
) -> None:
    teams = [a_team(crew.owner.id, name=name) for name in ("beta", "Zulu", "alpha", "Ärger")]
    with storage.uow_factory() as uow:
        for team in teams:
            uow.teams.add(team)
            uow.members.add(a_membership(team.id, crew.member.id))
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        summaries = uow.members.teams_of_user(crew.member.id)
        with_teams = uow.users.get_with_teams(crew.member.id)
        assert uow.users.get_with_teams(new_id()) is None
    names = [s.name for s in summaries]
    assert names == ["Crew", "Zulu", "alpha", "beta", "Ärger"]
    assert with_teams is not None
    assert with_teams == (crew.member, summaries)


def test_members_are_listed_in_the_order_they_joined(storage: StorageUnderTest, crew: Crew) -> None:
    with storage.uow_factory(read_only=True) as uow:
        members = uow.members.list_for_team(crew.team.id)
        users = uow.users.get_many([crew.owner.id, crew.member.id, new_id()])
    joined = sorted(members, key=lambda m: (m.joined_at, m.id))
    assert members == joined
    assert {m.user_id for m in members} == {crew.owner.id, crew.member.id}
    assert users == {crew.owner.id: crew.owner, crew.member.id: crew.member}


def test_open_tasks_assigned_to_a_member_come_oldest_first(
    storage: StorageUnderTest, crew: Crew
) -> None:
    from taskflow.domain.models import TaskStatus  # noqa: PLC0415

    team, member = crew.team.id, crew.member.id
    newer = a_task(team, member, assignee_id=member, created_at=NOW + timedelta(minutes=1))
    older = a_task(team, member, assignee_id=member)
    done = a_task(team, member, assignee_id=member, status=TaskStatus.DONE)
    elsewhere = a_task(new_id(), member, assignee_id=member)
    with storage.uow_factory() as uow:
        for task in (newer, older, done, elsewhere):
            uow.tasks.add(task)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        open_tasks = uow.tasks.open_tasks_assigned_to(team, member)
    assert [t.id for t in open_tasks] == [older.id, newer.id]


def test_due_date_order_puts_tasks_without_a_date_last_ascending(
    storage: StorageUnderTest,
) -> None:
    team, user = new_id(), new_id()
    undated = a_task(team, user)
    early = a_task(team, user, due_date=date(2024, 3, 1))
    late = a_task(team, user, due_date=date(2024, 4, 1))
    with storage.uow_factory() as uow:
        for task in (undated, early, late):
            uow.tasks.add(task)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
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


def test_title_search_ignores_case_beyond_ascii(storage: StorageUnderTest) -> None:
    # SQLite's own lower() folds ASCII only; taskflow installs Python's on SQLite.
    team, user = new_id(), new_id()
    wanted = a_task(team, user, title="ÄRGER mit der Übersetzung")
    with storage.uow_factory() as uow:
        uow.tasks.add(wanted)
        uow.tasks.add(a_task(team, user, title="Something else"))
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        found = uow.tasks.list(TaskQuery((team,), title_contains="übersetzung"))
        escaped = uow.tasks.list(TaskQuery((team,), title_contains="%"))
    assert [t.id for t in found.items] == [wanted.id]
    assert escaped.items == []  # LIKE wildcards in the search are literal


def test_comments_are_listed_oldest_first_after_a_position(
    storage: StorageUnderTest, crew: Crew
) -> None:
    task = a_task(crew.team.id, crew.owner.id)
    comments = [
        a_comment(task.id, crew.owner.id, created_at=NOW + timedelta(seconds=n)) for n in range(3)
    ]
    with storage.uow_factory() as uow:
        uow.tasks.add(task)
        for comment in reversed(comments):
            uow.comments.add(comment)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        first = uow.comments.list_for_task(task.id, None, 2)
        rest = uow.comments.list_for_task(
            task.id, TimeKey(comments[1].created_at, comments[1].id), 2
        )
    assert (first.items, first.has_more) == (comments[:2], True)
    assert (rest.items, rest.has_more) == (comments[2:], False)


def test_a_team_deleted_takes_its_tasks_comments_and_activity(
    storage: StorageUnderTest, crew: Crew
) -> None:
    task = a_task(crew.team.id, crew.owner.id)
    comment = a_comment(task.id, crew.owner.id)
    kept = a_task(new_id(), crew.owner.id)
    with storage.uow_factory() as uow:
        uow.tasks.add(task)
        uow.tasks.add(kept)
        uow.comments.add(comment)
        uow.commit()
    with storage.uow_factory() as uow:
        uow.tasks.delete_for_team(crew.team.id)
        uow.teams.delete(crew.team.id)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.tasks.get(task.id, include_deleted=True) is None
        assert uow.comments.get(comment.id) is None
        assert uow.tasks.get(kept.id) == kept
        assert uow.teams.get(crew.team.id) is None
        assert uow.members.list_for_team(crew.team.id) == []
        assert uow.members.teams_of_user(crew.member.id) == []
