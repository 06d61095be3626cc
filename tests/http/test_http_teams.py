"""/teams, members and roles, and invites (create, accept, list, revoke, resend)."""

from __future__ import annotations

import uuid

from httpkit import PASSWORD, assert_clean_error

from taskflow.events import INVITE_CREATED

UNKNOWN = str(uuid.uuid4())


def test_create_team_is_201_and_the_caller_is_owner(api, alice):
    reply = api.post("/teams", {"name": "تیم من"}, token=alice.token)
    assert reply.status == 201
    assert reply.json()["name"] == "تیم من"
    assert reply.json()["role"] == "owner"


def test_create_team_with_a_blank_or_missing_name_is_400(api, alice):
    blank = api.post("/teams", {"name": "   "}, token=alice.token)
    assert blank.status == 400
    assert blank.error_fields == ["name"]
    assert api.post("/teams", {}, token=alice.token).error_fields == ["name"]


def test_list_teams_is_a_collection_of_mine_only(api, alice, bob, team):
    api.post("/teams", {"name": "Bob's"}, token=bob.token)
    reply = api.get("/teams", token=alice.token)
    assert reply.status == 200
    assert reply.json() == {"items": [team], "next_cursor": None}


def test_get_rename_and_delete_a_team(api, alice, team):
    path = f"/teams/{team['id']}"
    assert api.get(path, token=alice.token).json() == team
    renamed = api.patch(path, {"name": "Renamed"}, token=alice.token)
    assert renamed.status == 200
    assert renamed.json()["name"] == "Renamed"
    assert api.delete(path, token=alice.token).status == 204
    gone = api.get(path, token=alice.token)
    assert gone.status == 404
    assert gone.error_code == "team_not_found"


def test_unknown_team_is_404_and_another_teams_is_403(api, alice, bob, team):
    unknown = api.get(f"/teams/{UNKNOWN}", token=alice.token)
    assert unknown.status == 404
    assert_clean_error(unknown)
    other = api.get(f"/teams/{team['id']}", token=bob.token)
    assert other.status == 403
    assert other.error_code == "not_team_member"
    assert api.patch(f"/teams/{team['id']}", {"name": "mine"}, token=bob.token).status == 403
    assert api.delete(f"/teams/{team['id']}", token=bob.token).status == 403


def test_an_id_that_is_not_a_uuid_is_400_naming_it(api, alice):
    reply = api.get("/teams/not-a-uuid", token=alice.token)
    assert reply.status == 400
    assert reply.error_fields == ["team_id"]


def test_members_list_change_role_and_remove(api, alice, bob, team, join):
    join(team["id"], alice, bob)
    members = api.get(f"/teams/{team['id']}/members", token=bob.token)
    assert members.status == 200
    roles = {m["user_id"]: m["role"] for m in members.json()["items"]}
    assert roles == {alice.id: "owner", bob.id: "member"}
    promoted = api.patch(
        f"/teams/{team['id']}/members/{bob.id}", {"role": "admin"}, token=alice.token
    )
    assert promoted.status == 200
    assert promoted.json()["role"] == "admin"
    owner = api.patch(f"/teams/{team['id']}/members/{bob.id}", {"role": "owner"}, token=alice.token)
    assert owner.status == 400
    assert owner.error_fields == ["role"]
    self_change = api.patch(
        f"/teams/{team['id']}/members/{bob.id}", {"role": "member"}, token=bob.token
    )
    assert self_change.status == 403
    assert api.delete(f"/teams/{team['id']}/members/{bob.id}", token=alice.token).status == 204
    assert api.get(f"/teams/{team['id']}", token=bob.token).status == 403
    missing = api.delete(f"/teams/{team['id']}/members/{bob.id}", token=alice.token)
    assert missing.status == 404


def test_leave_and_owner_must_transfer_first(api, alice, bob, team, join):
    join(team["id"], alice, bob)
    owner_leaves = api.post(f"/teams/{team['id']}/leave", token=alice.token)
    assert owner_leaves.status == 409
    assert owner_leaves.error_code == "owner_must_transfer"
    transfer = api.post(
        f"/teams/{team['id']}/transfer", {"new_owner_id": bob.id}, token=alice.token
    )
    assert transfer.status == 204
    assert api.get(f"/teams/{team['id']}", token=bob.token).json()["role"] == "owner"
    assert api.post(f"/teams/{team['id']}/leave", token=alice.token).status == 204
    assert api.get(f"/teams/{team['id']}", token=alice.token).status == 403


def test_invite_is_201_without_the_token_and_accept_joins(api, alice, bob, team, last_token):
    reply = api.post(
        "/auth/invite",
        {"team_id": team["id"], "email": bob.email, "role": "admin"},
        token=alice.token,
    )
    assert reply.status == 201
    invite = reply.json()
    assert invite["email"] == bob.email
    assert invite["role"] == "admin"
    assert "token" not in invite
    token = last_token(INVITE_CREATED)
    assert token not in reply.content.decode()
    accepted = api.post("/auth/invite/accept", {"token": token}, token=bob.token)
    assert accepted.status == 200
    assert accepted.json() == {"id": team["id"], "name": team["name"], "role": "admin"}
    again = api.post("/auth/invite/accept", {"token": token}, token=bob.token)
    assert again.status in {409, 410}
    assert_clean_error(again)


def test_invite_errors(api, alice, bob, team, last_token):
    by_outsider = api.post(
        "/auth/invite", {"team_id": team["id"], "email": "x@example.com"}, token=bob.token
    )
    assert by_outsider.status == 403
    unknown_team = api.post(
        "/auth/invite", {"team_id": UNKNOWN, "email": "x@example.com"}, token=alice.token
    )
    assert unknown_team.status == 404
    bad = api.post("/auth/invite", {"team_id": "nope", "email": "x"}, token=alice.token)
    assert bad.status == 400
    assert "team_id" in bad.error_fields
    api.post("/auth/invite", {"team_id": team["id"], "email": bob.email}, token=alice.token)
    token = last_token(INVITE_CREATED)
    carol = api.post(
        "/auth/signup", {"email": "carol@example.com", "password": PASSWORD, "name": "Carol"}
    ).json()
    mismatch = api.post("/auth/invite/accept", {"token": token}, token=carol["token"])
    assert mismatch.status == 403
    assert mismatch.error_code == "invite_email_mismatch"
    unknown = api.post("/auth/invite/accept", {"token": "no-such-token"}, token=bob.token)
    assert unknown.status == 404
    assert api.post("/auth/invite/accept", {"token": token}).status == 401


def test_invites_list_revoke_and_resend(api, alice, bob, team, last_token):
    created = api.post(
        "/auth/invite", {"team_id": team["id"], "email": bob.email}, token=alice.token
    ).json()
    first_token = last_token(INVITE_CREATED)
    listed = api.get(f"/teams/{team['id']}/invites", token=alice.token)
    assert listed.status == 200
    assert [i["id"] for i in listed.json()["items"]] == [created["id"]]
    assert api.get(f"/teams/{team['id']}/invites", token=bob.token).status == 403
    resent = api.post(f"/invites/{created['id']}/resend", token=alice.token)
    assert resent.status == 200
    second_token = last_token(INVITE_CREATED)
    assert second_token != first_token
    assert api.post("/auth/invite/accept", {"token": first_token}, token=bob.token).status in {
        404,
        410,
    }
    assert api.delete(f"/invites/{created['id']}", token=alice.token).status == 204
    revoked = api.post("/auth/invite/accept", {"token": second_token}, token=bob.token)
    assert revoked.status == 410
    assert revoked.error_code == "invite_revoked"
    assert api.get(f"/teams/{team['id']}/invites", token=alice.token).json()["items"] == []
    assert api.delete(f"/invites/{UNKNOWN}", token=alice.token).status == 404
