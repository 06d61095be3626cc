"""Shared permission checks. The whole matrix is written in ``docs/permissions.md``.

Order of checks everywhere: a team/task/comment that does not exist is ``NotFound`` (404);
an existing one the actor is not a member of is ``NotTeamMember`` (403); a member whose
role is too low is ``PermissionDenied`` (403).
"""

from __future__ import annotations

from uuid import UUID

from taskflow.domain.models import Membership, Role, Team
from taskflow.errors import NotTeamMember, PermissionDenied, TeamNotFound
from taskflow.ports.unit_of_work import UnitOfWork

__all__ = ["require_member", "require_role", "require_team"]


def require_team(uow: UnitOfWork, team_id: UUID) -> Team:
    team = uow.teams.get(team_id)
    if team is None:
        raise TeamNotFound()
    return team


def require_member(uow: UnitOfWork, team_id: UUID, user_id: UUID) -> Membership:
    """The actor's membership of an existing team (404 if no team, 403 if not a member)."""
    require_team(uow, team_id)
    membership = uow.members.get(team_id, user_id)
    if membership is None:
        raise NotTeamMember()
    return membership


def require_role(uow: UnitOfWork, team_id: UUID, user_id: UUID, role: Role) -> Membership:
    """As ``require_member``, and the actor's role must be at least ``role``."""
    membership = require_member(uow, team_id, user_id)
    if not membership.role.at_least(role):
        raise PermissionDenied(f"This needs the {role.value} role or higher.")
    return membership
