"""The team service: teams, members and roles.

Rules (the whole matrix is in ``docs/teams.md``):

- The creator of a team becomes its owner. A team always has exactly one owner; the
  owner cannot leave or be removed until they transfer ownership (``OwnerMustTransfer``).
- Rename: admin or owner. Delete (with its tasks, members and invites): owner only.
- Change a role: the owner may make a member an admin or an admin a member. An admin may
  not touch the owner or another admin, and cannot grant admin. Nobody changes their own
  role, and ``owner`` is never given here: ``transfer_ownership`` does that.
- Remove a member: admin or owner; an admin may remove plain members only.
- These role rules live in ``taskflow.services.permissions``.
- A member who leaves or is removed has their open tasks in that team unassigned, in
  the same unit of work, each change recorded in the task's activity.
- Order of checks: bad input (400), no such team (404), actor not a member (403), role
  too low (403), target user not a member (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field

from taskflow.domain.models import ActivityKind, Membership, Role, Team, TeamSummary
from taskflow.errors import (
    Conflict,
    InvalidInput,
    MemberNotFound,
    OwnerMustTransfer,
    UserNotFound,
)
from taskflow.ids import new_id
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.services.activity import record_activity
from taskflow.services.permissions import (
    check_member_removal,
    check_role_change,
    require_at_least,
    require_member,
    require_role,
    require_team,
)
from taskflow.services.read_models import MemberInfo
from taskflow.validation import InputModel, trimmed, validate

__all__ = ["AssignableRole", "TeamName", "TeamService", "unassign_open_tasks"]

TeamName = Annotated[str, trimmed(1, 100)]
"""A team's name: 1 to 100 characters once surrounding spaces are trimmed; the text
itself (Persian, emoji...) is stored exactly as given."""


def _not_owner(role: Role) -> Role:
    if role is Role.OWNER:
        raise ValueError("the owner role is given only by transferring ownership")
    return role


AssignableRole = Annotated[Role, Field(strict=False), AfterValidator(_not_owner)]
"""A role someone may be given by a role change or an invite: ``member`` or ``admin``
(as a ``Role`` or its string value), never ``owner``."""


class _ActorInput(InputModel):
    actor_id: UUID


class _TeamInput(_ActorInput):
    team_id: UUID


class _MemberInput(_TeamInput):
    user_id: UUID


class _CreateTeam(_ActorInput):
    name: TeamName


class _RenameTeam(_TeamInput):
    name: TeamName


class _ChangeRole(_MemberInput):
    role: AssignableRole


class _TransferOwnership(_TeamInput):
    new_owner_id: UUID


def unassign_open_tasks(
    uow: UnitOfWork, team_id: UUID, user_id: UUID, actor_id: UUID, now: datetime
) -> int:
    """Unassign every open (not done) task of ``user_id`` in the team, recording each
    change in the task's activity; returns how many tasks changed. Runs inside the
    caller's unit of work, so it commits or rolls back with the membership change."""
    tasks = uow.tasks.open_tasks_assigned_to(team_id, user_id)
    for task in tasks:
        uow.tasks.update(task.with_changes({"assignee_id": None}, now))
        record_activity(
            uow,
            task.id,
            actor_id,
            ActivityKind.UNASSIGNED,
            now,
            field="assignee_id",
            old_value=str(user_id),
        )
    return len(tasks)


class TeamService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    # --- teams -------------------------------------------------------------------------

    def create(self, actor_id: UUID, *, name: str) -> TeamSummary:
        """Create a team; the actor becomes its owner."""
        data = validate(_CreateTeam, actor_id=actor_id, name=name)
        now = self._clock.now()
        with self._uow() as uow:
            if uow.users.get(data.actor_id) is None:
                raise UserNotFound()
            team = Team(id=new_id(), name=data.name, owner_id=data.actor_id, created_at=now)
            uow.teams.add(team)
            uow.members.add(
                Membership(
                    id=new_id(),
                    team_id=team.id,
                    user_id=data.actor_id,
                    role=Role.OWNER,
                    joined_at=now,
                )
            )
            uow.commit()
        return TeamSummary(id=team.id, name=team.name, role=Role.OWNER)

    def list_mine(self, actor_id: UUID) -> list[TeamSummary]:
        """The actor's teams with their role in each, ordered by team name."""
        data = validate(_ActorInput, actor_id=actor_id)
        with self._uow(read_only=True) as uow:
            return list(uow.members.teams_of_user(data.actor_id))

    def get(self, actor_id: UUID, team_id: UUID) -> TeamSummary:
        """One team the actor is a member of, with the actor's role."""
        data = validate(_TeamInput, actor_id=actor_id, team_id=team_id)
        with self._uow(read_only=True) as uow:
            team = require_team(uow, data.team_id)
            membership = require_member(uow, data.team_id, data.actor_id)
            return TeamSummary(id=team.id, name=team.name, role=membership.role)

    def rename(self, actor_id: UUID, team_id: UUID, *, name: str) -> TeamSummary:
        """Rename a team (admin or owner)."""
        data = validate(_RenameTeam, actor_id=actor_id, team_id=team_id, name=name)
        with self._uow() as uow:
            team = require_team(uow, data.team_id)
            membership = require_role(uow, data.team_id, data.actor_id, Role.ADMIN)
            uow.teams.rename(team.id, data.name)
            uow.commit()
        return TeamSummary(id=team.id, name=data.name, role=membership.role)

    def delete(self, actor_id: UUID, team_id: UUID) -> None:
        """Delete a team with its tasks, memberships and invites (owner only)."""
        data = validate(_TeamInput, actor_id=actor_id, team_id=team_id)
        with self._uow() as uow:
            require_role(uow, data.team_id, data.actor_id, Role.OWNER)
            uow.tasks.delete_for_team(data.team_id)
            uow.teams.delete(data.team_id)
            uow.commit()

    # --- members -----------------------------------------------------------------------

    def list_members(self, actor_id: UUID, team_id: UUID) -> list[MemberInfo]:
        """Every member of the team (any member may look), in the order they joined."""
        data = validate(_TeamInput, actor_id=actor_id, team_id=team_id)
        with self._uow(read_only=True) as uow:
            require_member(uow, data.team_id, data.actor_id)
            memberships = uow.members.list_for_team(data.team_id)
            users = uow.users.get_many([m.user_id for m in memberships])
        return [
            MemberInfo(
                user_id=m.user_id,
                name=users[m.user_id].name,
                email=users[m.user_id].email,
                role=m.role,
                joined_at=m.joined_at,
            )
            for m in memberships
            if m.user_id in users
        ]

    def change_role(
        self, actor_id: UUID, team_id: UUID, user_id: UUID, *, role: Role | str
    ) -> MemberInfo:
        """Make a member an admin or an admin a member (see the module's rules)."""
        data = validate(_ChangeRole, actor_id=actor_id, team_id=team_id, user_id=user_id, role=role)
        with self._uow() as uow:
            actor = require_role(uow, data.team_id, data.actor_id, Role.ADMIN)
            target = _require_target(uow, data.team_id, data.user_id)
            check_role_change(actor, target, data.role)
            user = uow.users.get(data.user_id)
            if user is None:
                raise MemberNotFound()
            if not uow.members.set_role(
                data.team_id, data.user_id, data.role, expected=target.role
            ):
                raise _changed_meanwhile()
            uow.commit()
        return MemberInfo(
            user_id=user.id,
            name=user.name,
            email=user.email,
            role=data.role,
            joined_at=target.joined_at,
        )

    def remove_member(self, actor_id: UUID, team_id: UUID, user_id: UUID) -> None:
        """Remove a member (admin or owner; an admin removes plain members only). Their
        open tasks in the team are unassigned. Removing yourself is leaving."""
        data = validate(_MemberInput, actor_id=actor_id, team_id=team_id, user_id=user_id)
        now = self._clock.now()
        with self._uow() as uow:
            actor = require_member(uow, data.team_id, data.actor_id)
            if data.user_id == data.actor_id:
                self._leave(uow, actor, now)
                uow.commit()
                return
            require_at_least(actor, Role.ADMIN)
            target = _require_target(uow, data.team_id, data.user_id)
            check_member_removal(actor, target)
            if not uow.members.remove(data.team_id, data.user_id, expected=target.role):
                raise _changed_meanwhile()
            unassign_open_tasks(uow, data.team_id, data.user_id, data.actor_id, now)
            uow.commit()

    def leave(self, actor_id: UUID, team_id: UUID) -> None:
        """Leave a team; the owner must transfer ownership first. The actor's open tasks
        in the team are unassigned."""
        data = validate(_TeamInput, actor_id=actor_id, team_id=team_id)
        now = self._clock.now()
        with self._uow() as uow:
            membership = require_member(uow, data.team_id, data.actor_id)
            self._leave(uow, membership, now)
            uow.commit()

    def transfer_ownership(self, actor_id: UUID, team_id: UUID, *, new_owner_id: UUID) -> None:
        """Hand the team to another member (owner only): they become the owner and the
        previous owner becomes an admin, in one unit of work. A member whose account is
        being deleted cannot receive it (``Conflict``): it would hold up the erasure."""
        data = validate(
            _TransferOwnership, actor_id=actor_id, team_id=team_id, new_owner_id=new_owner_id
        )
        with self._uow() as uow:
            team = require_team(uow, data.team_id)
            require_role(uow, data.team_id, data.actor_id, Role.OWNER)
            if data.new_owner_id == data.actor_id:
                raise InvalidInput.for_field("new_owner_id", "you already own this team")
            target = _require_target(uow, data.team_id, data.new_owner_id)
            heir = uow.users.get(data.new_owner_id)
            if heir is not None and heir.deletion_due_at is not None:
                raise Conflict("This member's account is being deleted; choose another member.")
            # The conditional update comes first: of two concurrent transfers, the second
            # waits for the first and then finds the owner changed, so it changes nothing.
            if not uow.teams.set_owner(team.id, data.actor_id, data.new_owner_id):
                raise Conflict("The team's ownership changed meanwhile; reload and try again.")
            # Each role changes only from the role read above: a new owner who left (or
            # was removed, or changed role) meanwhile fails the transfer as a whole, so
            # the team is never left owned by someone who is not its member.
            promoted = uow.members.set_role(
                data.team_id, data.new_owner_id, Role.OWNER, expected=target.role
            )
            demoted = uow.members.set_role(
                data.team_id, data.actor_id, Role.ADMIN, expected=Role.OWNER
            )
            if not (promoted and demoted):
                raise _changed_meanwhile()
            uow.commit()

    @staticmethod
    def _leave(uow: UnitOfWork, membership: Membership, now: datetime) -> None:
        if membership.role is Role.OWNER:
            raise OwnerMustTransfer()
        # Only with the role read: a member made owner meanwhile must transfer first.
        if not uow.members.remove(membership.team_id, membership.user_id, expected=membership.role):
            raise _changed_meanwhile()
        unassign_open_tasks(uow, membership.team_id, membership.user_id, membership.user_id, now)


def _changed_meanwhile() -> Conflict:
    return Conflict("The team's memberships changed meanwhile; reload and try again.")


def _require_target(uow: UnitOfWork, team_id: UUID, user_id: UUID) -> Membership:
    membership = uow.members.get(team_id, user_id)
    if membership is None:
        raise MemberNotFound()
    return membership
