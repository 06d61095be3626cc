"""Shared permission checks. The whole matrix is written in ``docs/permissions.md``.

Order of checks everywhere: a team/task/comment that does not exist is ``NotFound`` (404);
an existing one the actor is not a member of is ``NotTeamMember`` (403); a member whose
role is too low is ``PermissionDenied`` (403).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final
from uuid import UUID

from taskflow.domain.models import Membership, Role, Team
from taskflow.errors import NotTeamMember, PermissionDenied, TeamNotFound
from taskflow.ports.unit_of_work import UnitOfWork

__all__ = ["ROLE_PERMISSIONS", "require_member", "require_role", "require_team"]

_MEMBER_PERMISSIONS: Final = frozenset(
    {
        "team.view",
        "member.list",
        "team.leave",
        "task.view",
        "task.create",
        # "_own": only the tasks/comments the member created (or, for tasks, is assigned
        # to); the services enforce that finer rule.
        "task.update_own",
        "task.delete_own",
        "comment.create",
        "comment.update_own",
        "comment.delete_own",
    }
)
_ADMIN_PERMISSIONS: Final = _MEMBER_PERMISSIONS | {
    "team.rename",
    "member.invite",
    "member.remove",  # plain members only, for an admin (the team service checks)
    "invite.list",
    "invite.revoke",
    "task.update_any",
    "task.delete_any",
    "comment.delete_any",
}
_OWNER_PERMISSIONS: Final = _ADMIN_PERMISSIONS | {
    "team.delete",
    "team.transfer_ownership",
    "member.change_role",
}

ROLE_PERMISSIONS: Final[Mapping[Role, frozenset[str]]] = MappingProxyType(
    {
        Role.MEMBER: _MEMBER_PERMISSIONS,
        Role.ADMIN: _ADMIN_PERMISSIONS,
        Role.OWNER: _OWNER_PERMISSIONS,
    }
)
"""What each role may do in its team, as names (what ``tf.auth.get_user_permissions``
answers, e.g. for a UI deciding which buttons to show). Each role has every permission
of the roles below it. The services enforce these AND the finer rules (creator,
assignee, the owner's protection) themselves; this table does not replace them."""


def require_team(uow: UnitOfWork, team_id: UUID) -> Team:
    team = uow.teams.get(team_id)
    if team is None:
        raise TeamNotFound()
    return team


def require_member(uow: UnitOfWork, team_id: UUID, user_id: UUID) -> Membership:
    """The actor's membership of an existing team (404 if no team, 403 if not a member)."""
    found = uow.teams.get_with_membership(team_id, user_id)  # one query, every call
    if found is None:
        raise TeamNotFound()
    _team, membership = found
    if membership is None:
        raise NotTeamMember()
    return membership


def require_role(uow: UnitOfWork, team_id: UUID, user_id: UUID, role: Role) -> Membership:
    """As ``require_member``, and the actor's role must be at least ``role``."""
    membership = require_member(uow, team_id, user_id)
    if not membership.role.at_least(role):
        raise PermissionDenied(f"This needs the {role.value} role or higher.")
    return membership
