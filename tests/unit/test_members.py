"""Members: list, change a role, remove, leave, transfer ownership; one owner always;
leaving or being removed unassigns your open tasks in that team."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from taskflow import (
    InvalidInput,
    MemberNotFound,
    NotTeamMember,
    OwnerMustTransfer,
    PermissionDenied,
    Role,
    TaskFlow,
    TeamNotFound,
    TeamSummary,
)
from taskflow.domain.models import ActivityKind
from taskflow.ids import new_id
from taskflow.testing import FakeClock

MakeUser = Callable[..., UUID]
AddMember = Callable[..., UUID]


@pytest.fixture
def owner(make_user: MakeUser) -> UUID:
    return make_user(email="owner@example.com", name="مالک تیم")


@pytest.fixture
def team(tf: TaskFlow, owner: UUID) -> TeamSummary:
    return tf.teams.create(owner, name="Team")


@pytest.fixture
def admin(team: TeamSummary, owner: UUID, add_member: AddMember) -> UUID:
    return add_member(team.id, owner, role="admin", name="Admin")


@pytest.fixture
def member(team: TeamSummary, owner: UUID, add_member: AddMember) -> UUID:
    return add_member(team.id, owner, role="member", name="Member")


def roles(tf: TaskFlow, team: TeamSummary, viewer: UUID) -> dict[UUID, Role]:
    return {m.user_id: m.role for m in tf.teams.list_members(viewer, team.id)}


def owner_id_of(tf: TaskFlow, team_id: UUID) -> UUID:
    with tf.uow_factory(read_only=True) as uow:
        stored = uow.teams.get(team_id)
    assert stored is not None
    return stored.owner_id


# --- list -------------------------------------------------------------------------------


def test_list_members_gives_name_email_role_and_join_time(
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    add_member: AddMember,
    clock: FakeClock,
) -> None:
    created_at = clock.now()
    clock.advance(hours=1)
    sara = add_member(team.id, owner, role="admin", name="سارا احمدی")

    members = tf.teams.list_members(sara, team.id)

    assert [(m.user_id, m.name, m.role) for m in members] == [
        (owner, "مالک تیم", Role.OWNER),
        (sara, "سارا احمدی", Role.ADMIN),
    ]
    assert members[0].email == "owner@example.com"
    assert members[1].email.endswith("@example.com")
    assert (members[0].joined_at, members[1].joined_at) == (created_at, clock.now())


def test_any_member_may_list_members(
    tf: TaskFlow, team: TeamSummary, owner: UUID, member: UUID
) -> None:
    assert set(roles(tf, team, member)) == {owner, member}


def test_a_non_member_may_not_list_members(
    tf: TaskFlow, team: TeamSummary, make_user: MakeUser
) -> None:
    with pytest.raises(NotTeamMember):
        tf.teams.list_members(make_user(), team.id)


def test_listing_members_of_a_missing_team_is_not_found(tf: TaskFlow, owner: UUID) -> None:
    with pytest.raises(TeamNotFound):
        tf.teams.list_members(owner, new_id())


# --- change a role ----------------------------------------------------------------------


def test_the_owner_makes_a_member_an_admin_and_back(
    tf: TaskFlow, owner: UUID, team: TeamSummary, member: UUID
) -> None:
    promoted = tf.teams.change_role(owner, team.id, member, role="admin")

    assert (promoted.user_id, promoted.role, promoted.name) == (member, Role.ADMIN, "Member")
    assert roles(tf, team, owner)[member] is Role.ADMIN
    assert tf.teams.get(member, team.id).role is Role.ADMIN

    demoted = tf.teams.change_role(owner, team.id, member, role=Role.MEMBER)

    assert demoted.role is Role.MEMBER
    assert roles(tf, team, owner)[member] is Role.MEMBER


def test_the_owner_demotes_an_admin(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID
) -> None:
    tf.teams.change_role(owner, team.id, admin, role="member")

    assert roles(tf, team, owner)[admin] is Role.MEMBER


@pytest.mark.parametrize("role", ["owner", Role.OWNER])
def test_owner_is_never_given_by_a_role_change(
    tf: TaskFlow, owner: UUID, team: TeamSummary, member: UUID, role: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.teams.change_role(owner, team.id, member, role=role)
    assert caught.value.errors[0]["field"] == "role"
    assert roles(tf, team, owner) == {owner: Role.OWNER, member: Role.MEMBER}


def test_an_unknown_role_is_invalid_input(
    tf: TaskFlow, owner: UUID, team: TeamSummary, member: UUID
) -> None:
    with pytest.raises(InvalidInput):
        tf.teams.change_role(owner, team.id, member, role="superuser")


def test_nobody_changes_their_own_role(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID
) -> None:
    with pytest.raises(PermissionDenied):
        tf.teams.change_role(owner, team.id, owner, role="admin")
    with pytest.raises(PermissionDenied):
        tf.teams.change_role(admin, team.id, admin, role="member")
    assert roles(tf, team, owner) == {owner: Role.OWNER, admin: Role.ADMIN}


def test_an_admin_cannot_grant_admin(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID, member: UUID
) -> None:
    with pytest.raises(PermissionDenied):
        tf.teams.change_role(admin, team.id, member, role="admin")
    assert roles(tf, team, owner)[member] is Role.MEMBER


def test_an_admin_cannot_touch_another_admin(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID, add_member: AddMember
) -> None:
    other_admin = add_member(team.id, owner, role="admin")

    with pytest.raises(PermissionDenied):
        tf.teams.change_role(admin, team.id, other_admin, role="member")
    assert roles(tf, team, owner)[other_admin] is Role.ADMIN


def test_an_admin_cannot_touch_the_owner(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID
) -> None:
    with pytest.raises(PermissionDenied):
        tf.teams.change_role(admin, team.id, owner, role="member")
    assert roles(tf, team, owner)[owner] is Role.OWNER


def test_an_admin_may_leave_a_member_a_member(
    tf: TaskFlow, team: TeamSummary, admin: UUID, member: UUID
) -> None:
    assert tf.teams.change_role(admin, team.id, member, role="member").role is Role.MEMBER


def test_a_member_cannot_change_roles(
    tf: TaskFlow, owner: UUID, team: TeamSummary, member: UUID, add_member: AddMember
) -> None:
    other = add_member(team.id, owner)

    with pytest.raises(PermissionDenied):
        tf.teams.change_role(member, team.id, other, role="admin")
    assert roles(tf, team, owner)[other] is Role.MEMBER


def test_changing_the_role_of_a_non_member_is_member_not_found(
    tf: TaskFlow, owner: UUID, team: TeamSummary, make_user: MakeUser
) -> None:
    with pytest.raises(MemberNotFound):
        tf.teams.change_role(owner, team.id, make_user(), role="admin")


def test_a_non_member_cannot_change_roles(
    tf: TaskFlow, team: TeamSummary, member: UUID, make_user: MakeUser
) -> None:
    with pytest.raises(NotTeamMember):
        tf.teams.change_role(make_user(), team.id, member, role="admin")


def test_changing_a_role_in_a_missing_team_is_not_found(
    tf: TaskFlow, owner: UUID, member: UUID
) -> None:
    with pytest.raises(TeamNotFound):
        tf.teams.change_role(owner, new_id(), member, role="admin")


# --- remove a member --------------------------------------------------------------------


@pytest.mark.parametrize("remover", ["owner", "admin"])
def test_the_owner_and_admins_remove_members(
    tf: TaskFlow, team: TeamSummary, member: UUID, request: pytest.FixtureRequest, remover: str
) -> None:
    actor = request.getfixturevalue(remover)
    owner = request.getfixturevalue("owner")

    tf.teams.remove_member(actor, team.id, member)

    assert member not in roles(tf, team, owner)
    assert tf.teams.list_mine(member) == []
    with pytest.raises(NotTeamMember):
        tf.teams.get(member, team.id)


def test_the_owner_removes_an_admin(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID
) -> None:
    tf.teams.remove_member(owner, team.id, admin)

    assert roles(tf, team, owner) == {owner: Role.OWNER}


def test_an_admin_cannot_remove_another_admin(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID, add_member: AddMember
) -> None:
    other_admin = add_member(team.id, owner, role="admin")

    with pytest.raises(PermissionDenied):
        tf.teams.remove_member(admin, team.id, other_admin)
    assert other_admin in roles(tf, team, owner)


def test_an_admin_cannot_remove_the_owner(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID
) -> None:
    with pytest.raises(PermissionDenied):
        tf.teams.remove_member(admin, team.id, owner)
    assert roles(tf, team, owner)[owner] is Role.OWNER


def test_a_member_cannot_remove_anyone(
    tf: TaskFlow, owner: UUID, team: TeamSummary, member: UUID, add_member: AddMember
) -> None:
    other = add_member(team.id, owner)

    with pytest.raises(PermissionDenied):
        tf.teams.remove_member(member, team.id, other)
    assert other in roles(tf, team, owner)


def test_the_owner_cannot_be_removed_without_transferring(
    tf: TaskFlow, owner: UUID, team: TeamSummary
) -> None:
    with pytest.raises(OwnerMustTransfer):
        tf.teams.remove_member(owner, team.id, owner)
    assert roles(tf, team, owner) == {owner: Role.OWNER}


def test_removing_yourself_is_leaving(
    tf: TaskFlow, owner: UUID, team: TeamSummary, member: UUID
) -> None:
    tf.teams.remove_member(member, team.id, member)

    assert member not in roles(tf, team, owner)


def test_removing_a_non_member_is_member_not_found(
    tf: TaskFlow, owner: UUID, team: TeamSummary, make_user: MakeUser
) -> None:
    with pytest.raises(MemberNotFound):
        tf.teams.remove_member(owner, team.id, make_user())
    with pytest.raises(MemberNotFound):
        tf.teams.remove_member(owner, team.id, new_id())


def test_a_non_member_cannot_remove_anyone(
    tf: TaskFlow, team: TeamSummary, member: UUID, make_user: MakeUser
) -> None:
    with pytest.raises(NotTeamMember):
        tf.teams.remove_member(make_user(), team.id, member)


def test_removing_from_a_missing_team_is_not_found(tf: TaskFlow, owner: UUID, member: UUID) -> None:
    with pytest.raises(TeamNotFound):
        tf.teams.remove_member(owner, new_id(), member)


# --- leave ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "admin"])
def test_members_and_admins_can_leave(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember, role: str
) -> None:
    leaver = add_member(team.id, owner, role=role)

    tf.teams.leave(leaver, team.id)

    assert roles(tf, team, owner) == {owner: Role.OWNER}
    assert tf.teams.list_mine(leaver) == []


def test_the_owner_cannot_leave_without_transferring(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID
) -> None:
    with pytest.raises(OwnerMustTransfer) as caught:
        tf.teams.leave(owner, team.id)
    assert caught.value.status == 409
    assert roles(tf, team, owner) == {owner: Role.OWNER, admin: Role.ADMIN}


def test_leaving_a_team_you_are_not_in_is_forbidden(
    tf: TaskFlow, team: TeamSummary, make_user: MakeUser
) -> None:
    with pytest.raises(NotTeamMember):
        tf.teams.leave(make_user(), team.id)


def test_leaving_a_missing_team_is_not_found(tf: TaskFlow, owner: UUID) -> None:
    with pytest.raises(TeamNotFound):
        tf.teams.leave(owner, new_id())


def test_the_owner_leaves_after_transferring(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID
) -> None:
    tf.teams.transfer_ownership(owner, team.id, new_owner_id=admin)
    tf.teams.leave(owner, team.id)

    assert roles(tf, team, admin) == {admin: Role.OWNER}


# --- transfer ownership -----------------------------------------------------------------


@pytest.mark.parametrize("new_owner_role", ["member", "admin"])
def test_transfer_makes_the_new_owner_owner_and_the_old_one_admin(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember, new_owner_role: str
) -> None:
    heir = add_member(team.id, owner, role=new_owner_role)

    tf.teams.transfer_ownership(owner, team.id, new_owner_id=heir)

    assert roles(tf, team, heir) == {owner: Role.ADMIN, heir: Role.OWNER}
    assert owner_id_of(tf, team.id) == heir
    assert tf.teams.get(heir, team.id).role is Role.OWNER
    # The new owner now holds the owner's powers, and the old owner lost them.
    tf.teams.change_role(heir, team.id, owner, role="member")
    with pytest.raises(PermissionDenied):
        tf.teams.delete(owner, team.id)


@pytest.mark.parametrize("role", ["member", "admin"])
def test_only_the_owner_transfers(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember, role: str
) -> None:
    actor = add_member(team.id, owner, role=role)
    other = add_member(team.id, owner)

    with pytest.raises(PermissionDenied):
        tf.teams.transfer_ownership(actor, team.id, new_owner_id=other)
    with pytest.raises(PermissionDenied):
        tf.teams.transfer_ownership(actor, team.id, new_owner_id=actor)
    assert roles(tf, team, owner)[owner] is Role.OWNER
    assert owner_id_of(tf, team.id) == owner


def test_transfer_to_a_non_member_is_member_not_found(
    tf: TaskFlow, owner: UUID, team: TeamSummary, make_user: MakeUser
) -> None:
    stranger = make_user()

    with pytest.raises(MemberNotFound):
        tf.teams.transfer_ownership(owner, team.id, new_owner_id=stranger)
    assert roles(tf, team, owner) == {owner: Role.OWNER}
    assert owner_id_of(tf, team.id) == owner


def test_transfer_to_yourself_is_invalid(tf: TaskFlow, owner: UUID, team: TeamSummary) -> None:
    with pytest.raises(InvalidInput):
        tf.teams.transfer_ownership(owner, team.id, new_owner_id=owner)
    assert roles(tf, team, owner) == {owner: Role.OWNER}


def test_a_non_member_cannot_transfer(
    tf: TaskFlow, team: TeamSummary, member: UUID, make_user: MakeUser
) -> None:
    with pytest.raises(NotTeamMember):
        tf.teams.transfer_ownership(make_user(), team.id, new_owner_id=member)


def test_transfer_in_a_missing_team_is_not_found(tf: TaskFlow, owner: UUID, member: UUID) -> None:
    with pytest.raises(TeamNotFound):
        tf.teams.transfer_ownership(owner, new_id(), new_owner_id=member)


def test_a_team_always_has_exactly_one_owner(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID, member: UUID
) -> None:
    attempts: list[Callable[[], object]] = [
        lambda: tf.teams.change_role(owner, team.id, admin, role="owner"),
        lambda: tf.teams.change_role(admin, team.id, owner, role="member"),
        lambda: tf.teams.leave(owner, team.id),
        lambda: tf.teams.remove_member(owner, team.id, owner),
        lambda: tf.teams.remove_member(admin, team.id, owner),
    ]
    for attempt in attempts:
        with pytest.raises((InvalidInput, PermissionDenied, OwnerMustTransfer)):
            attempt()
    tf.teams.transfer_ownership(owner, team.id, new_owner_id=member)

    owners = [user for user, role in roles(tf, team, member).items() if role is Role.OWNER]
    assert owners == [member]


# --- leaving and removal unassign open tasks --------------------------------------------


def _assigned_tasks(tf: TaskFlow, team: TeamSummary, creator: UUID, assignee: UUID) -> list[UUID]:
    """An open, an in-progress and a done task assigned to ``assignee``."""
    todo = tf.tasks.create(creator, team.id, title="Todo", assignee_id=assignee)
    doing = tf.tasks.create(
        creator, team.id, title="Doing", assignee_id=assignee, status="in_progress"
    )
    done = tf.tasks.create(creator, team.id, title="Done", assignee_id=assignee, status="done")
    return [todo.id, doing.id, done.id]


@pytest.mark.parametrize("how", ["removed", "leaves"])
def test_a_departing_member_has_their_open_tasks_unassigned(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    member: UUID,
    clock: FakeClock,
    how: str,
) -> None:
    todo, doing, done = _assigned_tasks(tf, team, owner, member)
    before = {t: tf.tasks.get(owner, t) for t in (todo, doing, done)}
    clock.advance(minutes=5)

    if how == "removed":
        tf.teams.remove_member(owner, team.id, member)
    else:
        tf.teams.leave(member, team.id)

    actor = owner if how == "removed" else member
    for task_id in (todo, doing):
        task = tf.tasks.get(owner, task_id)
        assert task.assignee_id is None
        assert task.assignee is None
        assert task.version == before[task_id].version + 1
        assert task.updated_at == clock.now()
        last = tf.tasks.activity(owner, task_id).items[-1]
        assert last.kind is ActivityKind.UNASSIGNED
        assert (last.field, last.old_value, last.new_value) == ("assignee_id", str(member), None)
        assert (last.actor_id, last.created_at) == (actor, clock.now())
    assert tf.tasks.get(owner, done) == before[done]  # done work keeps its history


def test_removal_leaves_tasks_in_other_teams_and_of_others_alone(
    tf: TaskFlow, owner: UUID, team: TeamSummary, member: UUID, add_member: AddMember
) -> None:
    colleague = add_member(team.id, owner)
    colleagues_task = tf.tasks.create(owner, team.id, title="Theirs", assignee_id=colleague)
    other_team = tf.teams.create(owner, name="Other")
    tf.invites.create(owner, other_team.id, email="x@example.com")  # unrelated noise
    elsewhere = tf.teams.create(member, name="Member's own")
    own_task = tf.tasks.create(member, elsewhere.id, title="Mine", assignee_id=member)

    tf.teams.remove_member(owner, team.id, member)

    assert tf.tasks.get(owner, colleagues_task.id).assignee_id == colleague
    assert tf.tasks.get(member, own_task.id).assignee_id == member


def test_a_refused_removal_unassigns_nothing(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID, add_member: AddMember
) -> None:
    other_admin = add_member(team.id, owner, role="admin")
    task = tf.tasks.create(owner, team.id, title="Kept", assignee_id=other_admin)

    with pytest.raises(PermissionDenied):
        tf.teams.remove_member(admin, team.id, other_admin)

    assert tf.tasks.get(owner, task.id).assignee_id == other_admin


def test_set_owner_changes_the_owner_only_if_it_is_still_the_expected_one(
    tf: TaskFlow, owner: UUID, team: TeamSummary, admin: UUID, member: UUID
) -> None:
    # The conditional update transfer_ownership relies on: a second, concurrent transfer
    # (which read the old owner) must change nothing.
    with tf.uow_factory() as uow:
        assert uow.teams.set_owner(team.id, owner, admin) is True
        assert uow.teams.set_owner(team.id, owner, member) is False
        uow.commit()

    assert owner_id_of(tf, team.id) == admin
