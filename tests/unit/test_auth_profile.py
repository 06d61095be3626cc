"""tf.auth.me and tf.auth.get_user_permissions (the seed's GetUserPermissions)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest

from taskflow import (
    InvalidInput,
    NotTeamMember,
    Role,
    TaskFlow,
    TeamNotFound,
    UserNotFound,
)
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import INVITE_CREATED
from taskflow.services.permissions import ROLE_PERMISSIONS

MakeUser = Callable[..., UUID]  # the fixtures of tests/unit/conftest.py
AddMember = Callable[..., UUID]


def test_me_answers_the_profile(tf: TaskFlow, make_user: MakeUser) -> None:
    user_id = make_user(email="sara@example.com", name="سارا")
    me = tf.auth.me(user_id)
    assert (me.id, me.email, me.name, me.email_verified, me.teams) == (
        user_id,
        "sara@example.com",
        "سارا",
        False,
        (),
    )


def test_me_lists_teams_with_roles_sorted_by_name(
    tf: TaskFlow, make_user: MakeUser, events: RecordingEventPublisher
) -> None:
    sara = make_user(email="sara@example.com")
    beta = tf.teams.create(sara, name="Beta")
    omid = make_user()
    alpha = tf.teams.create(omid, name="Alpha")
    tf.teams.create(omid, name="Omid's own")  # not Sara's: not listed
    tf.invites.create(omid, alpha.id, email="sara@example.com", role="admin")
    tf.invites.accept(sara, token=events.named(INVITE_CREATED)[-1].payload["token"])

    teams = tf.auth.me(sara).teams
    assert [(t.id, t.name, t.role) for t in teams] == [
        (alpha.id, "Alpha", Role.ADMIN),
        (beta.id, "Beta", Role.OWNER),
    ]


def test_me_for_an_unknown_user(tf: TaskFlow) -> None:
    with pytest.raises(UserNotFound) as caught:
        tf.auth.me(uuid4())
    assert caught.value.status == 404


def test_me_validates_the_id(tf: TaskFlow) -> None:
    with pytest.raises(InvalidInput):
        tf.auth.me("not-a-uuid")  # type: ignore[arg-type]


# --- permissions ----------------------------------------------------------------------


@pytest.fixture
def team(tf: TaskFlow, make_user: MakeUser) -> tuple[UUID, UUID]:
    owner = make_user()
    return tf.teams.create(owner, name="Team").id, owner


def test_the_owner_has_every_permission(tf: TaskFlow, team: tuple[UUID, UUID]) -> None:
    team_id, owner = team
    answer = tf.auth.get_user_permissions(owner, team_id)
    assert (answer.team_id, answer.user_id, answer.role) == (team_id, owner, Role.OWNER)
    assert answer.permissions == ROLE_PERMISSIONS[Role.OWNER]
    assert {"team.delete", "member.change_role", "team.transfer_ownership"} <= answer.permissions


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN])
def test_members_get_their_roles_permissions(
    tf: TaskFlow, team: tuple[UUID, UUID], add_member: AddMember, role: Role
) -> None:
    team_id, owner = team
    user_id = add_member(team_id, owner, role=role.value)
    answer = tf.auth.get_user_permissions(user_id, team_id)
    assert answer.role is role
    assert answer.permissions == ROLE_PERMISSIONS[role]


def test_an_unknown_team_is_not_found(tf: TaskFlow, make_user: MakeUser) -> None:
    with pytest.raises(TeamNotFound) as caught:
        tf.auth.get_user_permissions(make_user(), uuid4())
    assert caught.value.status == 404


def test_a_non_member_is_forbidden(
    tf: TaskFlow, team: tuple[UUID, UUID], make_user: MakeUser
) -> None:
    with pytest.raises(NotTeamMember) as caught:
        tf.auth.get_user_permissions(make_user(), team[0])
    assert caught.value.status == 403


def test_permissions_validate_the_ids(tf: TaskFlow, team: tuple[UUID, UUID]) -> None:
    with pytest.raises(InvalidInput):
        tf.auth.get_user_permissions(team[1], str(team[0]))  # type: ignore[arg-type]


# --- the table itself -----------------------------------------------------------------


def test_each_role_has_the_permissions_of_the_roles_below() -> None:
    assert ROLE_PERMISSIONS[Role.MEMBER] < ROLE_PERMISSIONS[Role.ADMIN]
    assert ROLE_PERMISSIONS[Role.ADMIN] < ROLE_PERMISSIONS[Role.OWNER]


@pytest.mark.parametrize(
    ("permission", "lowest_role"),
    [
        ("task.view", Role.MEMBER),
        ("task.create", Role.MEMBER),
        ("comment.create", Role.MEMBER),
        ("team.rename", Role.ADMIN),
        ("member.invite", Role.ADMIN),
        ("member.remove", Role.ADMIN),
        ("task.update_any", Role.ADMIN),
        ("task.delete_any", Role.ADMIN),
        ("comment.delete_any", Role.ADMIN),
        ("team.delete", Role.OWNER),
        ("member.change_role", Role.OWNER),
        ("team.transfer_ownership", Role.OWNER),
    ],
)
def test_who_may_do_what(permission: str, lowest_role: Role) -> None:
    for role in Role:
        assert (permission in ROLE_PERMISSIONS[role]) is role.at_least(lowest_role), role


def test_the_table_cannot_be_changed_at_runtime() -> None:
    with pytest.raises(TypeError):
        ROLE_PERMISSIONS[Role.MEMBER] = frozenset({"team.delete"})  # type: ignore[index]
