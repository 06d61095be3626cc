"""The account endpoints on both frameworks: PATCH /auth/me, the email change and its
undo, GET /auth/me/invites, and POST /auth/deletion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from httpkit import PASSWORD, Api, assert_clean_error

from taskflow import TaskFlow
from taskflow.events import INVITE_CREATED, USER_EMAIL_CHANGE_REQUESTED, USER_EMAIL_CHANGED
from taskflow.testing import FakeClock

# --- PATCH /auth/me -----------------------------------------------------------------------


def test_patch_me_changes_only_what_is_sent(api: Api, alice: Any) -> None:
    reply = api.patch("/auth/me", {"name": "  آلیس ", "timezone": "Asia/Tehran"}, token=alice.token)
    assert reply.status == 200, reply.content
    body = reply.json()
    assert (body["name"], body["timezone"], body["email"]) == ("آلیس", "Asia/Tehran", alice.email)
    assert body["language"] in ("fa", "en")
    assert body["deletion_due_at"] is None
    assert body["teams"] == []
    again = api.patch("/auth/me", {"language": "en"}, token=alice.token).json()
    assert (again["name"], again["language"], again["timezone"]) == ("آلیس", "en", "Asia/Tehran")
    assert api.get("/auth/me", token=alice.token).json()["name"] == "آلیس"
    preferences = api.get("/notifications/preferences", token=alice.token).json()
    assert (preferences["language"], preferences["timezone"]) == ("en", "Asia/Tehran")


def test_patch_me_validates_as_at_signup(api: Api, alice: Any) -> None:
    for body, field in (
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"language": "de"}, "language"),
        ({"timezone": "Nowhere/Else"}, "timezone"),
        ({"email": "x@example.com"}, "email"),
    ):
        reply = api.patch("/auth/me", body, token=alice.token)
        assert reply.status == 400, (body, reply.content)
        assert reply.error_code == "invalid_input"
        assert_clean_error(reply)
        assert field in reply.content.decode()


def test_patch_me_needs_a_token(api: Api) -> None:
    assert api.patch("/auth/me", {"name": "Nobody"}).status == 401


# --- the email change ------------------------------------------------------------------


def test_an_email_change_confirmed_and_undone(
    api: Api,
    alice: Any,
    bob: Any,
    team: dict[str, Any],
    last_token: Callable[[str], str],
) -> None:
    new = "alice.new@example.com"
    other = api.post("/auth/login", {"email": alice.email, "password": PASSWORD}).json()
    assert (
        api.post("/auth/invite", {"team_id": team["id"], "email": new}, token=alice.token).status
        == 201
    )
    wrong = api.post(
        "/auth/email-change", {"password": "not it", "new_email": new}, token=bob.token
    )
    assert wrong.status == 401
    taken = api.post(
        "/auth/email-change", {"password": PASSWORD, "new_email": alice.email}, token=bob.token
    )
    assert taken.status == 409
    assert taken.error_code == "email_taken"

    asked = api.post(
        "/auth/email-change", {"password": PASSWORD, "new_email": new}, token=bob.token
    )
    assert asked.status == 204
    assert api.get("/auth/me", token=bob.token).json()["email"] == bob.email
    bob_other = api.post("/auth/login", {"email": bob.email, "password": PASSWORD}).json()
    confirmed = api.post(
        "/auth/email-change/confirm", {"token": last_token(USER_EMAIL_CHANGE_REQUESTED)}
    )
    assert confirmed.status == 204
    me = api.get("/auth/me", token=bob.token).json()
    assert (me["email"], me["email_verified"]) == (new, True)
    assert api.get("/auth/me", token=bob_other["token"]).status == 401  # other sessions end
    assert api.get("/auth/me", token=other["token"]).status == 200  # not Alice's, of course
    invites = api.get("/auth/me/invites", token=bob.token).json()["items"]
    assert [(i["team_id"], i["email"]) for i in invites] == [(team["id"], new)]
    again = api.post(
        "/auth/email-change/confirm", {"token": last_token(USER_EMAIL_CHANGE_REQUESTED)}
    )
    assert again.status == 410

    undone = api.post("/auth/email-change/undo", {"token": last_token(USER_EMAIL_CHANGED)})
    assert undone.status == 204
    assert api.get("/auth/me", token=bob.token).status == 401  # every session ends
    login = api.post("/auth/login", {"email": bob.email, "password": PASSWORD})
    assert login.status == 200
    assert login.json()["user"]["email"] == bob.email


def test_bad_email_change_tokens(api: Api) -> None:
    for path in ("/auth/email-change/confirm", "/auth/email-change/undo"):
        reply = api.post(path, {"token": "nope"})
        assert reply.status == 410
        assert_clean_error(reply)
        assert api.post(path, {}).status == 400


def test_the_invites_waiting_for_me(
    api: Api, alice: Any, bob: Any, team: dict[str, Any], last_token: Callable[[str], str]
) -> None:
    assert api.get("/auth/me/invites", token=bob.token).json()["items"] == []
    api.post("/auth/invite", {"team_id": team["id"], "email": bob.email}, token=alice.token)
    (invite,) = api.get("/auth/me/invites", token=bob.token).json()["items"]
    assert invite["team_id"] == team["id"]
    accepted = api.post(
        "/auth/invite/accept", {"token": last_token(INVITE_CREATED)}, token=bob.token
    )
    assert accepted.status == 200
    assert api.get("/auth/me/invites", token=bob.token).json()["items"] == []


# --- deletion ----------------------------------------------------------------------------


def test_deletion_is_refused_to_an_owner_with_the_teams_named(
    api: Api, alice: Any, team: dict[str, Any]
) -> None:
    reply = api.post("/auth/deletion", {"password": PASSWORD}, token=alice.token)
    assert reply.status == 409
    assert reply.error_code == "owner_must_transfer"
    assert reply.json()["error"]["teams"] == [{"id": team["id"], "name": team["name"]}]
    assert team["name"] in reply.json()["error"]["message"]
    assert_clean_error(reply)


def test_deletion_then_a_login_cancels_it(
    api: Api, bob: Any, tf: TaskFlow, clock: FakeClock
) -> None:
    assert api.post("/auth/deletion", {"password": "wrong"}, token=bob.token).status == 401
    reply = api.post("/auth/deletion", {"password": PASSWORD}, token=bob.token)
    assert reply.status == 202, reply.content
    due = reply.json()["deletion_due_at"]
    assert due.startswith((clock.now() + timedelta(days=7)).date().isoformat())
    assert api.get("/auth/me", token=bob.token).status == 401  # logged out
    login = api.post("/auth/login", {"email": bob.email, "password": PASSWORD}).json()
    profile = api.patch("/auth/me", {}, token=login["token"]).json()
    assert profile["deletion_due_at"] is None
    clock.advance(timedelta(days=8))
    assert tf.auth.erase_due() == 0


def test_deletion_then_the_erasure(api: Api, bob: Any, tf: TaskFlow, clock: FakeClock) -> None:
    assert api.post("/auth/deletion", {"password": PASSWORD}, token=bob.token).status == 202
    clock.advance(timedelta(days=7))
    assert tf.auth.erase_due() == 1
    login = api.post("/auth/login", {"email": bob.email, "password": PASSWORD})
    assert login.status == 401
