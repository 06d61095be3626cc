"""Teams: create, list mine, get, rename, delete, and who may do each."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from taskflow import (
    InvalidInput,
    InviteNotFound,
    NotTeamMember,
    PermissionDenied,
    Role,
    TaskFlow,
    TeamNotFound,
    TeamSummary,
    UserNotFound,
)
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import INVITE_CREATED
from taskflow.ids import new_id

MakeUser = Callable[..., UUID]
AddMember = Callable[..., UUID]


@pytest.fixture
def owner(make_user: MakeUser) -> UUID:
    return make_user(email="owner@example.com", name="Owner")


@pytest.fixture
def team(tf: TaskFlow, owner: UUID) -> TeamSummary:
    return tf.teams.create(owner, name="Team")


# --- create -----------------------------------------------------------------------------


def test_the_creator_becomes_the_owner(tf: TaskFlow, owner: UUID) -> None:
    created = tf.teams.create(owner, name="Design")

    assert created.name == "Design"
    assert created.role is Role.OWNER
    assert tf.teams.get(owner, created.id) == created
    [member] = tf.teams.list_members(owner, created.id)
    assert (member.user_id, member.role) == (owner, Role.OWNER)
    with tf.uow_factory(read_only=True) as uow:
        stored = uow.teams.get(created.id)
    assert stored is not None
    assert stored.owner_id == owner


def test_a_team_name_is_trimmed(tf: TaskFlow, owner: UUID) -> None:
    assert tf.teams.create(owner, name="  Design  ").name == "Design"


def test_persian_names_are_stored_exactly_as_given(tf: TaskFlow, owner: UUID) -> None:
    name = "تیم طراحی ‌ی من 🎨"  # includes a zero-width non-joiner
    created = tf.teams.create(owner, name=name)

    assert tf.teams.get(owner, created.id).name == name
    assert tf.teams.list_mine(owner)[0].name == name


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_team_name_must_be_1_to_100_characters(tf: TaskFlow, owner: UUID, name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.teams.create(owner, name=name)
    assert caught.value.errors[0]["field"] == "name"
    assert tf.teams.list_mine(owner) == []


def test_a_100_character_name_is_fine(tf: TaskFlow, owner: UUID) -> None:
    assert tf.teams.create(owner, name="ی" * 100).name == "ی" * 100


def test_a_name_must_be_text(tf: TaskFlow, owner: UUID) -> None:
    with pytest.raises(InvalidInput):
        tf.teams.create(owner, name=42)  # type: ignore[arg-type]


def test_an_unknown_user_cannot_create_a_team(tf: TaskFlow) -> None:
    with pytest.raises(UserNotFound):
        tf.teams.create(new_id(), name="Ghosts")


# --- list mine and get ------------------------------------------------------------------


def test_list_mine_gives_each_team_with_my_role(
    tf: TaskFlow, owner: UUID, make_user: MakeUser, add_member: AddMember
) -> None:
    other = make_user()
    mine = tf.teams.create(owner, name="B team")
    theirs = tf.teams.create(other, name="A team")
    add_member(theirs.id, other, role="admin")  # someone else, to show only I am listed
    tf.invites.create(other, theirs.id, email="owner@example.com", role="admin")

    assert tf.teams.list_mine(owner) == [mine]  # the pending invite gives no membership


def test_list_mine_is_ordered_by_name_and_shows_each_role(
    tf: TaskFlow, owner: UUID, make_user: MakeUser, events: RecordingEventPublisher
) -> None:
    other = make_user()
    zebra = tf.teams.create(owner, name="Zebra")
    alpha = tf.teams.create(other, name="Alpha")
    tf.invites.create(other, alpha.id, email="owner@example.com", role="admin")
    tf.invites.accept(owner, token=events.named(INVITE_CREATED)[-1].payload["token"])

    assert tf.teams.list_mine(owner) == [
        TeamSummary(id=alpha.id, name="Alpha", role=Role.ADMIN),
        TeamSummary(id=zebra.id, name="Zebra", role=Role.OWNER),
    ]


def test_list_mine_is_empty_for_someone_in_no_team(tf: TaskFlow, make_user: MakeUser) -> None:
    assert tf.teams.list_mine(make_user()) == []


def test_get_shows_the_members_own_role(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember
) -> None:
    member = add_member(team.id, owner)

    assert tf.teams.get(member, team.id) == TeamSummary(team.id, "Team", Role.MEMBER)


def test_get_a_team_that_does_not_exist_is_not_found(tf: TaskFlow, owner: UUID) -> None:
    with pytest.raises(TeamNotFound):
        tf.teams.get(owner, new_id())


def test_get_someone_elses_team_is_forbidden(
    tf: TaskFlow, team: TeamSummary, make_user: MakeUser
) -> None:
    with pytest.raises(NotTeamMember):
        tf.teams.get(make_user(), team.id)


def test_a_team_id_must_be_a_uuid(tf: TaskFlow, owner: UUID, team: TeamSummary) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.teams.get(owner, str(team.id))  # type: ignore[arg-type]
    assert caught.value.errors[0]["field"] == "team_id"


# --- rename -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_the_owner_and_admins_can_rename(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember, role: str
) -> None:
    actor = owner if role == "owner" else add_member(team.id, owner, role="admin")

    renamed = tf.teams.rename(actor, team.id, name="  تیم جدید ")

    assert renamed == TeamSummary(team.id, "تیم جدید", Role(role))
    assert tf.teams.get(owner, team.id).name == "تیم جدید"


def test_a_member_cannot_rename(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember
) -> None:
    member = add_member(team.id, owner)

    with pytest.raises(PermissionDenied):
        tf.teams.rename(member, team.id, name="Mine now")
    assert tf.teams.get(owner, team.id).name == "Team"


def test_a_non_member_cannot_rename(tf: TaskFlow, team: TeamSummary, make_user: MakeUser) -> None:
    with pytest.raises(NotTeamMember):
        tf.teams.rename(make_user(), team.id, name="Hijacked")


def test_renaming_a_missing_team_is_not_found(tf: TaskFlow, owner: UUID) -> None:
    with pytest.raises(TeamNotFound):
        tf.teams.rename(owner, new_id(), name="Nothing")


def test_rename_validates_the_name(tf: TaskFlow, owner: UUID, team: TeamSummary) -> None:
    with pytest.raises(InvalidInput):
        tf.teams.rename(owner, team.id, name=" ")
    assert tf.teams.get(owner, team.id).name == "Team"


# --- delete -----------------------------------------------------------------------------


def test_the_owner_deletes_a_team_with_its_members_and_invites(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember, make_user: MakeUser
) -> None:
    member = add_member(team.id, owner)
    make_user(email="later@example.com")
    tf.invites.create(owner, team.id, email="later@example.com")

    tf.teams.delete(owner, team.id)

    with pytest.raises(TeamNotFound):
        tf.teams.get(owner, team.id)
    assert tf.teams.list_mine(owner) == []
    assert tf.teams.list_mine(member) == []
    with tf.uow_factory(read_only=True) as uow:
        assert uow.members.list_for_team(team.id) == []
        assert uow.invites.list_pending(team.id, tf.clock.now()) == []


def test_deleting_a_team_makes_its_invites_unusable(
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    make_user: MakeUser,
    events: RecordingEventPublisher,
) -> None:
    invitee = make_user(email="later@example.com")
    tf.invites.create(owner, team.id, email="later@example.com")
    token = events.named(INVITE_CREATED)[-1].payload["token"]

    tf.teams.delete(owner, team.id)

    with pytest.raises(InviteNotFound):
        tf.invites.accept(invitee, token=token)


def test_deleting_a_team_deletes_its_tasks(
    tf: TaskFlow, owner: UUID, team: TeamSummary, make_user: MakeUser
) -> None:
    task = tf.tasks.create(owner, team.id, title="Doomed")
    other_team = tf.teams.create(owner, name="Other")
    survivor = tf.tasks.create(owner, other_team.id, title="Survivor")

    tf.teams.delete(owner, team.id)

    with tf.uow_factory(read_only=True) as uow:
        assert uow.tasks.get(task.id, include_deleted=True) is None
        assert uow.tasks.get(survivor.id) is not None


@pytest.mark.parametrize("role", ["admin", "member"])
def test_only_the_owner_can_delete(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember, role: str
) -> None:
    actor = add_member(team.id, owner, role=role)

    with pytest.raises(PermissionDenied):
        tf.teams.delete(actor, team.id)
    assert tf.teams.get(owner, team.id) == team


def test_a_non_member_cannot_delete(tf: TaskFlow, team: TeamSummary, make_user: MakeUser) -> None:
    with pytest.raises(NotTeamMember):
        tf.teams.delete(make_user(), team.id)


def test_deleting_a_missing_team_is_not_found(tf: TaskFlow, owner: UUID) -> None:
    with pytest.raises(TeamNotFound):
        tf.teams.delete(owner, new_id())
