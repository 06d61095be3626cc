"""Who may do what: every permission rule of the services, in one place. The whole
matrix is written in ``docs/permissions.md``.

Order of checks everywhere: a team/task/comment that does not exist is ``NotFound`` (404);
an existing one the actor is not a member of is ``NotTeamMember`` (403); a member whose
role is too low is ``PermissionDenied`` (403).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final
from uuid import UUID

from taskflow.domain.models import Comment, Membership, Role, Task, Team
from taskflow.errors import NotTeamMember, PermissionDenied, TaskNotFound, TeamNotFound
from taskflow.ports.unit_of_work import UnitOfWork

__all__ = [
    "ROLE_PERMISSIONS",
    "check_comment_delete",
    "check_comment_edit",
    "check_invite_role",
    "check_member_removal",
    "check_role_change",
    "check_task_delete",
    "check_task_edit",
    "require_at_least",
    "require_member",
    "require_role",
    "require_task_member",
    "require_team",
]

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
    require_at_least(membership, role)
    return membership


def require_at_least(membership: Membership, role: Role) -> None:
    if not membership.role.at_least(role):
        raise PermissionDenied(f"This needs the {role.value} role or higher.")


def require_task_member(uow: UnitOfWork, task_id: UUID, actor_id: UUID) -> tuple[Task, Membership]:
    """The live (not deleted) task and the actor's membership of its team:
    ``TaskNotFound`` (404) if there is no such task, ``NotTeamMember`` (403) if the actor
    is not in its team."""
    task = uow.tasks.get(task_id)
    if task is None:
        raise TaskNotFound()
    membership = uow.members.get(task.team_id, actor_id)
    if membership is None:
        raise NotTeamMember()
    return task, membership


# --- tasks ---------------------------------------------------------------------------


def check_task_edit(task: Task, membership: Membership, action: str) -> None:
    """Update, assign, complete, reopen: the creator, the assignee, an admin or the
    owner. ``action`` words the refusal ("edit", "assign", ...)."""
    if membership.role.at_least(Role.ADMIN) or membership.user_id in (
        task.created_by,
        task.assignee_id,
    ):
        return
    raise PermissionDenied(f"Only the creator, the assignee or an admin may {action}.")


def check_task_delete(task: Task, membership: Membership, action: str) -> None:
    """Delete and restore: the creator, an admin or the owner (not a mere assignee)."""
    if membership.role.at_least(Role.ADMIN) or membership.user_id == task.created_by:
        return
    raise PermissionDenied(f"Only the creator or an admin may {action} a task.")


# --- comments ------------------------------------------------------------------------


def check_comment_edit(comment: Comment, actor_id: UUID) -> None:
    """Only its author edits a comment (an admin neither)."""
    if comment.user_id != actor_id:
        raise PermissionDenied("Only its author may edit a comment.")


def check_comment_delete(comment: Comment, membership: Membership) -> None:
    """Its author, an admin or the owner deletes a comment."""
    if comment.user_id != membership.user_id and not membership.role.at_least(Role.ADMIN):
        raise PermissionDenied("Only its author or an admin may delete a comment.")


# --- teams and invites ---------------------------------------------------------------


def check_role_change(actor: Membership, target: Membership, role: Role) -> None:
    """The owner makes a member an admin or an admin a member; an admin may not touch
    the owner or another admin and cannot grant admin; nobody changes their own role;
    the owner's role changes only by transferring ownership. The actor is an admin or
    the owner already (``require_role``)."""
    if target.user_id == actor.user_id:
        raise PermissionDenied("Nobody can change their own role.")
    if target.role is Role.OWNER:
        raise PermissionDenied("The owner's role changes only by transferring ownership.")
    if actor.role is not Role.OWNER and (target.role is not Role.MEMBER or role is not Role.MEMBER):
        raise PermissionDenied("Only the owner can grant or take away the admin role.")


def check_member_removal(actor: Membership, target: Membership) -> None:
    """An admin removes plain members only; the owner removes anyone but themselves
    (leaving is another rule). The actor is an admin or the owner already."""
    if actor.role is not Role.OWNER and target.role is not Role.MEMBER:
        raise PermissionDenied("An admin can remove plain members only.")


def check_invite_role(actor: Membership, role: Role) -> None:
    """An admin or the owner invites members; only the owner invites admins (an invite
    is a way to grant a role, and only the owner grants the admin role)."""
    if role is not Role.MEMBER and actor.role is not Role.OWNER:
        raise PermissionDenied("Only the owner can grant the admin role.")
