"""Teams, members, roles and the invites of a team."""

from __future__ import annotations

from flask import Response

from taskflow.adapters.flask.edge import taskflow_blueprint
from taskflow.adapters.flask.helpers import (
    current_principal,
    get_taskflow,
    parse_body,
    path_uuid,
    rate_limit,
    reply,
)
from taskflow.adapters.web.schemas import ChangeRoleIn, TeamIn, TeamOut, TransferIn, page_of
from taskflow.adapters.web.serializers import invite_out, member_out

__all__ = ["blueprint"]

blueprint = taskflow_blueprint("taskflow_teams", __name__)
blueprint.before_request(rate_limit)


@blueprint.get("/teams")
def list_teams() -> Response:
    principal = current_principal()
    return reply(page_of(get_taskflow().teams.list_mine(principal.user_id), TeamOut.of))


@blueprint.post("/teams")
def create_team() -> Response:
    principal = current_principal()
    body = parse_body(TeamIn)
    return reply(TeamOut.of(get_taskflow().teams.create(principal.user_id, name=body.name)), 201)


@blueprint.get("/teams/<team_id>")
def get_team(team_id: str) -> Response:
    principal = current_principal()
    team = get_taskflow().teams.get(principal.user_id, path_uuid(team_id, "team_id"))
    return reply(TeamOut.of(team))


@blueprint.patch("/teams/<team_id>")
def rename_team(team_id: str) -> Response:
    principal = current_principal()
    team_uuid = path_uuid(team_id, "team_id")
    body = parse_body(TeamIn)
    return reply(
        TeamOut.of(get_taskflow().teams.rename(principal.user_id, team_uuid, name=body.name))
    )


@blueprint.delete("/teams/<team_id>")
def delete_team(team_id: str) -> Response:
    principal = current_principal()
    get_taskflow().teams.delete(principal.user_id, path_uuid(team_id, "team_id"))
    return reply(None, 204)


@blueprint.get("/teams/<team_id>/members")
def list_members(team_id: str) -> Response:
    principal = current_principal()
    members = get_taskflow().teams.list_members(principal.user_id, path_uuid(team_id, "team_id"))
    return reply(page_of(members, member_out))


@blueprint.patch("/teams/<team_id>/members/<user_id>")
def change_role(team_id: str, user_id: str) -> Response:
    principal = current_principal()
    team_uuid, user_uuid = path_uuid(team_id, "team_id"), path_uuid(user_id, "user_id")
    body = parse_body(ChangeRoleIn)
    member = get_taskflow().teams.change_role(
        principal.user_id, team_uuid, user_uuid, role=body.role
    )
    return reply(member_out(member))


@blueprint.delete("/teams/<team_id>/members/<user_id>")
def remove_member(team_id: str, user_id: str) -> Response:
    principal = current_principal()
    team_uuid, user_uuid = path_uuid(team_id, "team_id"), path_uuid(user_id, "user_id")
    get_taskflow().teams.remove_member(principal.user_id, team_uuid, user_uuid)
    return reply(None, 204)


@blueprint.post("/teams/<team_id>/leave")
def leave_team(team_id: str) -> Response:
    principal = current_principal()
    get_taskflow().teams.leave(principal.user_id, path_uuid(team_id, "team_id"))
    return reply(None, 204)


@blueprint.post("/teams/<team_id>/transfer")
def transfer_ownership(team_id: str) -> Response:
    principal = current_principal()
    team_uuid = path_uuid(team_id, "team_id")
    body = parse_body(TransferIn)
    get_taskflow().teams.transfer_ownership(
        principal.user_id, team_uuid, new_owner_id=body.new_owner_id
    )
    return reply(None, 204)


@blueprint.get("/teams/<team_id>/invites")
def list_invites(team_id: str) -> Response:
    principal = current_principal()
    invites = get_taskflow().invites.list_pending(principal.user_id, path_uuid(team_id, "team_id"))
    return reply(page_of(invites, invite_out))


@blueprint.delete("/invites/<invite_id>")
def revoke_invite(invite_id: str) -> Response:
    principal = current_principal()
    get_taskflow().invites.revoke(principal.user_id, path_uuid(invite_id, "invite_id"))
    return reply(None, 204)


@blueprint.post("/invites/<invite_id>/resend")
def resend_invite(invite_id: str) -> Response:
    principal = current_principal()
    invite = get_taskflow().invites.resend(principal.user_id, path_uuid(invite_id, "invite_id"))
    return reply(invite_out(invite))
