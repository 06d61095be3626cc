"""/auth/*: signup, login, refresh, logout, me, sessions, verification, reset, password."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from httpkit import PASSWORD, assert_clean_error

from taskflow.events import USER_PASSWORD_RESET, USER_VERIFY_EMAIL


def test_signup_answers_201_with_the_seed_body(api):
    reply = api.post(
        "/auth/signup", {"email": "Ali@Example.com", "password": PASSWORD, "name": "علی محمدی"}
    )
    assert reply.status == 201
    body = reply.json()
    assert set(body) == {"user", "token", "refresh_token"}
    assert set(body["user"]) == {"id", "email", "name"}
    assert body["user"]["email"] == "ali@example.com"
    assert body["user"]["name"] == "علی محمدی"
    assert reply.headers["cache-control"] == "no-store"


def test_signup_with_a_taken_email_is_409(api, alice):
    reply = api.post("/auth/signup", {"email": alice.email, "password": PASSWORD, "name": "X"})
    assert reply.status == 409
    assert reply.error_code == "email_taken"
    assert_clean_error(reply)


def test_signup_with_an_invalid_email_and_short_password_names_both(api):
    reply = api.post("/auth/signup", {"email": "not-an-email", "password": "short", "name": "X"})
    assert reply.status == 400
    assert reply.error_code == "invalid_input"
    assert {"email", "password"} <= set(reply.error_fields)
    assert "short" not in reply.content.decode()  # the password is never echoed


def test_signup_missing_field_wrong_type_and_unknown_field_are_400(api):
    missing = api.post("/auth/signup", {"email": "a@example.com", "password": PASSWORD})
    assert missing.status == 400
    assert missing.error_fields == ["name"]
    wrong_type = api.post(
        "/auth/signup", {"email": "a@example.com", "password": 12345678, "name": "A"}
    )
    assert wrong_type.status == 400
    assert wrong_type.error_fields == ["password"]
    unknown = api.post(
        "/auth/signup", {"email": "a@example.com", "password": PASSWORD, "name": "A", "admin": True}
    )
    assert unknown.status == 400
    assert unknown.error_fields == ["admin"]


def test_malformed_json_and_non_objects_are_400_naming_the_body(api):
    headers = {"Content-Type": "application/json"}
    for content in (b"{not json", b"[1, 2]", b'"text"'):
        reply = api.post("/auth/login", content=content, headers=headers)
        assert reply.status == 400, content
        assert reply.error_fields == ["body"]
        assert_clean_error(reply)


def test_a_body_that_is_not_declared_json_is_400(api):
    body = json.dumps({"email": "a@example.com", "password": PASSWORD}).encode()
    reply = api.post("/auth/login", content=body, headers={"Content-Type": "text/plain"})
    assert reply.status == 400
    assert reply.error_fields == ["body"]


def test_an_empty_body_is_400(api):
    reply = api.post("/auth/login", content=b"", headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert reply.error_fields == ["body"]


def test_login_answers_the_seed_body_with_teams_and_refresh_token(api, alice, team):
    reply = api.post("/auth/login", {"email": alice.email, "password": PASSWORD})
    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"user", "token", "refresh_token"}
    assert {"id", "email", "name", "teams"} <= set(body["user"])
    assert body["user"]["teams"] == [{"id": team["id"], "name": team["name"], "role": "owner"}]
    assert reply.headers["cache-control"] == "no-store"


def test_login_with_a_wrong_password_or_unknown_email_is_the_same_401(api, alice):
    wrong = api.post("/auth/login", {"email": alice.email, "password": "wrong password"})
    unknown = api.post("/auth/login", {"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status == unknown.status == 401
    assert wrong.json() == unknown.json()
    assert wrong.error_code == "invalid_credentials"
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_repeated_failed_logins_lock_the_account_423_with_retry_after(api, alice):
    statuses = [
        api.post("/auth/login", {"email": alice.email, "password": "wrong password"}).status
        for _ in range(5)
    ]
    assert set(statuses) <= {401, 423}
    locked = api.post("/auth/login", {"email": alice.email, "password": PASSWORD})
    assert locked.status == 423
    assert locked.error_code == "account_locked"
    assert int(locked.headers["retry-after"]) > 0
    assert locked.json()["error"]["retry_after"] == int(locked.headers["retry-after"])


def test_me_answers_the_caller_with_teams(api, alice, team):
    reply = api.get("/auth/me", token=alice.token)
    assert reply.status == 200
    body = reply.json()
    assert body["id"] == alice.id
    assert body["email"] == alice.email
    assert body["teams"] == [{"id": team["id"], "name": team["name"], "role": "owner"}]


def test_every_protected_endpoint_needs_a_bearer_token(api):
    for method, path in [
        ("GET", "/auth/me"),
        ("POST", "/auth/logout"),
        ("GET", "/teams"),
        ("GET", "/me/tasks"),
        ("GET", "/auth/sessions"),
    ]:
        reply = api.request(method, path)
        assert reply.status == 401, path
        assert reply.error_code == "unauthenticated"
        assert reply.headers["www-authenticate"] == "Bearer"


def test_a_non_bearer_authorization_is_401(api, alice):
    for value in (
        f"Basic {alice.token}",
        "Bearer",
        "Bearer    ",
        alice.token,
        f"Token {alice.token}",
    ):
        reply = api.get("/auth/me", headers={"Authorization": value})
        assert reply.status == 401, value
        assert reply.error_code == "unauthenticated"
    for scheme in ("bearer", "BEARER"):  # the scheme is case-insensitive
        reply = api.get("/auth/me", headers={"Authorization": f"{scheme} {alice.token}"})
        assert reply.status == 200, scheme


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "00000000-0000-0000-0000-000000000000"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def _alg_none(token: str) -> str:
    _header, payload, _signature = token.split(".")
    none = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    return f"{none}.{payload}."


def test_tampered_alg_none_and_garbage_tokens_are_401(api, alice):
    for token in (_tampered(alice.token), _alg_none(alice.token), "garbage", alice.refresh_token):
        reply = api.get("/auth/me", token=token)
        assert reply.status == 401, token
        assert reply.error_code in {"invalid_token", "unauthenticated"}
        assert_clean_error(reply)


def test_an_expired_token_is_401_token_expired(api, alice, clock):
    clock.advance(minutes=16)
    reply = api.get("/auth/me", token=alice.token)
    assert reply.status == 401
    assert reply.error_code == "token_expired"


def test_logout_ends_the_token_and_its_session(api, alice):
    assert api.post("/auth/logout", token=alice.token).status == 204
    after = api.get("/auth/me", token=alice.token)
    assert after.status == 401
    assert after.error_code == "token_revoked"
    assert api.post("/auth/refresh", {"refresh_token": alice.refresh_token}).status == 401


def test_refresh_answers_like_login_and_rotates(api, alice):
    reply = api.post("/auth/refresh", {"refresh_token": alice.refresh_token})
    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"user", "token", "refresh_token"}
    assert body["user"]["id"] == alice.id
    assert body["refresh_token"] != alice.refresh_token
    assert api.get("/auth/me", token=body["token"]).status == 200


def test_a_reused_refresh_token_is_401_and_ends_the_session(api, alice):
    first = api.post("/auth/refresh", {"refresh_token": alice.refresh_token}).json()
    reused = api.post("/auth/refresh", {"refresh_token": alice.refresh_token})
    assert reused.status == 401
    assert reused.error_code == "refresh_token_reused"
    # the whole family is over: the rotated refresh token is refused too
    assert api.post("/auth/refresh", {"refresh_token": first["refresh_token"]}).status == 401


def test_refresh_with_an_access_token_or_garbage_is_401(api, alice):
    assert api.post("/auth/refresh", {"refresh_token": alice.token}).status == 401
    assert api.post("/auth/refresh", {"refresh_token": "garbage"}).status == 401
    assert api.post("/auth/refresh", {}).status == 400


def test_sessions_list_end_one_and_end_the_others(api, alice):
    second = api.post("/auth/login", {"email": alice.email, "password": PASSWORD}).json()
    listed = api.get("/auth/sessions", token=alice.token)
    assert listed.status == 200
    items = listed.json()["items"]
    assert listed.json()["next_cursor"] is None
    assert len(items) == 2
    assert sum(item["current"] for item in items) == 1
    other = next(item for item in items if not item["current"])
    assert api.delete(f"/auth/sessions/{other['id']}", token=alice.token).status == 204
    assert api.post("/auth/refresh", {"refresh_token": second["refresh_token"]}).status == 401
    unknown = api.delete(f"/auth/sessions/{other['id'][:-4]}ffff", token=alice.token)
    assert unknown.status == 404
    third = api.post("/auth/login", {"email": alice.email, "password": PASSWORD}).json()
    ended = api.delete("/auth/sessions", token=alice.token)
    assert ended.status == 200
    assert ended.json() == {"ended": 1}
    assert api.post("/auth/refresh", {"refresh_token": third["refresh_token"]}).status == 401
    assert api.get("/auth/me", token=alice.token).status == 200


def test_email_verification_request_and_public_confirm(api, alice, last_token):
    assert api.post("/auth/verify-email", token=alice.token).status == 204
    token = last_token(USER_VERIFY_EMAIL)
    assert api.post("/auth/verify-email/confirm", {"token": token}).status == 204
    assert api.get("/auth/me", token=alice.token).json()["email_verified"] is True
    used = api.post("/auth/verify-email/confirm", {"token": token})
    assert used.status == 410
    assert used.error_code == "verification_token_invalid"


def test_password_reset_is_public_and_does_not_tell_who_has_an_account(api, alice, last_token):
    known = api.post("/auth/password-reset", {"email": alice.email})
    unknown = api.post("/auth/password-reset", {"email": "nobody@example.com"})
    assert known.status == unknown.status == 204
    assert known.content == unknown.content == b""
    token = last_token(USER_PASSWORD_RESET)
    reset = api.post(
        "/auth/password-reset/confirm", {"token": token, "new_password": "a brand new password"}
    )
    assert reset.status == 204
    assert api.post("/auth/login", {"email": alice.email, "password": PASSWORD}).status == 401
    new_login = api.post("/auth/login", {"email": alice.email, "password": "a brand new password"})
    assert new_login.status == 200
    again = api.post(
        "/auth/password-reset/confirm", {"token": token, "new_password": "yet another one 2"}
    )
    assert again.status == 410


def test_password_change_needs_the_current_password(api, alice):
    wrong = api.post(
        "/auth/password",
        {"current_password": "not it at all", "new_password": "a brand new password"},
        token=alice.token,
    )
    assert wrong.status == 401
    assert wrong.error_code == "invalid_credentials"
    assert_clean_error(wrong)
    changed = api.post(
        "/auth/password",
        {"current_password": PASSWORD, "new_password": "a brand new password"},
        token=alice.token,
    )
    assert changed.status == 204
    assert (
        api.post("/auth/login", {"email": alice.email, "password": "a brand new password"}).status
        == 200
    )
    assert api.get("/auth/me", token=alice.token).status == 200  # this session stays


def test_expired_refresh_token_is_401(api, alice, clock):
    clock.advance(timedelta(days=8))
    assert api.post("/auth/refresh", {"refresh_token": alice.refresh_token}).status == 401
