"""Issue 12, point 2: a team is never left without an owner who is its member.

The owner hands the team to M while M leaves (or while an admin removes M), at the same
moment: threads behind a barrier, many rounds, on every backend (the race is real on
PostgreSQL and MariaDB, where both used to answer 204 and leave ``teams.owner_id``
pointing at someone who was no longer a member)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from toolbox import race

from taskflow import TaskFlow
from taskflow.domain.models import Role

MakeUser = Callable[..., UUID]
AddMember = Callable[..., UUID]
ROUNDS = 12


def _assert_owned_by_a_member(tf: TaskFlow, team_id: UUID) -> None:
    with tf.uow_factory(read_only=True) as uow:
        team = uow.teams.get(team_id)
        assert team is not None
        owner = uow.members.get(team_id, team.owner_id)
        owners = [m for m in uow.members.list_for_team(team_id) if m.role is Role.OWNER]
    assert owner is not None, "the team's owner is not one of its members"
    assert owner.role is Role.OWNER
    assert [m.user_id for m in owners] == [team.owner_id]


@pytest.mark.slow
def test_a_transfer_racing_the_new_owners_leave_never_orphans_the_team(
    tf: TaskFlow, make_user: MakeUser, add_member: AddMember
) -> None:
    owner = make_user(name="Owner")
    for round_ in range(ROUNDS):
        team_id = tf.teams.create(owner, name=f"Crew {round_}").id
        heir = add_member(team_id, owner)
        outcomes = race(
            lambda: tf.teams.transfer_ownership(owner, team_id, new_owner_id=heir),  # noqa: B023
            lambda: tf.teams.leave(heir, team_id),  # noqa: B023
        )
        _assert_owned_by_a_member(tf, team_id)
        assert any(outcome is None for outcome in outcomes), outcomes  # one of them won


@pytest.mark.slow
def test_a_transfer_racing_an_admins_removal_never_orphans_the_team(
    tf: TaskFlow, make_user: MakeUser, add_member: AddMember
) -> None:
    owner = make_user(name="Owner")
    for round_ in range(ROUNDS):
        team_id = tf.teams.create(owner, name=f"Crew {round_}").id
        admin = add_member(team_id, owner, role="admin")
        heir = add_member(team_id, owner)
        outcomes = race(
            lambda: tf.teams.transfer_ownership(owner, team_id, new_owner_id=heir),  # noqa: B023
            lambda: tf.teams.remove_member(admin, team_id, heir),  # noqa: B023
        )
        _assert_owned_by_a_member(tf, team_id)
        assert any(outcome is None for outcome in outcomes), outcomes


def test_a_member_made_owner_meanwhile_is_not_removed_by_a_stale_read(
    tf: TaskFlow, make_user: MakeUser, add_member: AddMember
) -> None:
    """The sequential core of the race: the removal was decided on the role read before
    the transfer; it must not delete the new owner's membership."""
    owner = make_user(name="Owner")
    team_id = tf.teams.create(owner, name="Crew").id
    heir = add_member(team_id, owner)
    with tf.uow_factory() as uow:
        stale = uow.members.get(team_id, heir)
        assert stale is not None
    tf.teams.transfer_ownership(owner, team_id, new_owner_id=heir)
    with tf.uow_factory() as uow:
        assert uow.members.remove(team_id, heir, expected=stale.role) is False
        uow.commit()
    _assert_owned_by_a_member(tf, team_id)
