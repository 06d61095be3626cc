"""Teams, members, roles and the invites of a team."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Response

from taskflow.adapters.fastapi.dependencies import (
    CurrentPrincipal,
    TaskFlowDep,
    error_responses,
    rate_limit,
)
from taskflow.adapters.fastapi.routing import TaskflowRoute, operation_id
from taskflow.adapters.web.schemas import (
    ChangeRoleIn,
    InviteOut,
    MemberOut,
    PageOut,
    TeamIn,
    TeamOut,
    TransferIn,
    page_of,
)
from taskflow.adapters.web.serializers import invite_out, member_out

__all__ = ["router"]

router = APIRouter(
    tags=["teams"],
    dependencies=[Depends(rate_limit)],
    route_class=TaskflowRoute,
    generate_unique_id_function=operation_id,
)


@router.get("/teams", responses=error_responses(401))
def list_teams(principal: CurrentPrincipal, tf: TaskFlowDep) -> PageOut[TeamOut]:
    """The caller's teams, with the caller's role in each."""
    return page_of(tf.teams.list_mine(principal.user_id), TeamOut.of)


@router.post("/teams", status_code=201, responses=error_responses(400, 401, 413))
def create_team(body: TeamIn, principal: CurrentPrincipal, tf: TaskFlowDep) -> TeamOut:
    """Create a team; the caller becomes its owner."""
    return TeamOut.of(tf.teams.create(principal.user_id, name=body.name))


@router.get("/teams/{team_id}", responses=error_responses(400, 401, 403, 404))
def get_team(team_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> TeamOut:
    return TeamOut.of(tf.teams.get(principal.user_id, team_id))


@router.patch("/teams/{team_id}", responses=error_responses(400, 401, 403, 404, 413))
def rename_team(
    team_id: UUID, body: TeamIn, principal: CurrentPrincipal, tf: TaskFlowDep
) -> TeamOut:
    """Rename a team (admin or owner)."""
    return TeamOut.of(tf.teams.rename(principal.user_id, team_id, name=body.name))


@router.delete(
    "/teams/{team_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 403, 404),
)
def delete_team(team_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    """Delete a team with its tasks (owner only)."""
    tf.teams.delete(principal.user_id, team_id)


@router.get(
    "/teams/{team_id}/members",
    operation_id="listTeamMembers",
    responses=error_responses(400, 401, 403, 404),
)
def list_members(team_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> PageOut[MemberOut]:
    return page_of(tf.teams.list_members(principal.user_id, team_id), member_out)


@router.patch(
    "/teams/{team_id}/members/{user_id}",
    operation_id="changeMemberRole",
    responses=error_responses(400, 401, 403, 404, 413),
)
def change_role(
    team_id: UUID, user_id: UUID, body: ChangeRoleIn, principal: CurrentPrincipal, tf: TaskFlowDep
) -> MemberOut:
    """Make a member an admin or an admin a member (admin or owner)."""
    return member_out(tf.teams.change_role(principal.user_id, team_id, user_id, role=body.role))


@router.delete(
    "/teams/{team_id}/members/{user_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 403, 404, 409),
)
def remove_member(
    team_id: UUID, user_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep
) -> None:
    tf.teams.remove_member(principal.user_id, team_id, user_id)


@router.post(
    "/teams/{team_id}/leave",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 403, 404, 409),
)
def leave_team(team_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    """Leave a team (an owner must transfer ownership first: 409)."""
    tf.teams.leave(principal.user_id, team_id)


@router.post(
    "/teams/{team_id}/transfer",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 403, 404, 409, 413),
)
def transfer_ownership(
    team_id: UUID, body: TransferIn, principal: CurrentPrincipal, tf: TaskFlowDep
) -> None:
    """Make another member the owner; the caller becomes an admin (owner only)."""
    tf.teams.transfer_ownership(principal.user_id, team_id, new_owner_id=body.new_owner_id)


@router.get(
    "/teams/{team_id}/invites",
    operation_id="listTeamInvites",
    responses=error_responses(400, 401, 403, 404),
)
def list_invites(team_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> PageOut[InviteOut]:
    """The team's pending invites (admin or owner)."""
    return page_of(tf.invites.list_pending(principal.user_id, team_id), invite_out)


@router.delete(
    "/invites/{invite_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 403, 404, 410),
)
def revoke_invite(invite_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    tf.invites.revoke(principal.user_id, invite_id)


@router.post("/invites/{invite_id}/resend", responses=error_responses(400, 401, 403, 404, 410))
def resend_invite(invite_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> InviteOut:
    """Send the invite again with a new token and expiry (the old link stops working)."""
    return invite_out(tf.invites.resend(principal.user_id, invite_id))
