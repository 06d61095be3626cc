"""The web client's session: the refresh token in an httpOnly, SameSite=Strict cookie
scoped to the refresh path, with a CSRF header the browser's own script must add.

Run on both reference servers, with their raw test clients (the Set-Cookie lines and the
Cookie header are read and written by hand, so every attribute is checked)."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import pytest
from attrs import frozen
from httpkit import NO_RATE_LIMITS, PASSWORD, SERVERS
from starlette.testclient import TestClient

from taskflow import TaskFlow
from taskflow.adapters.fastapi import create_app as create_fastapi_app
from taskflow.adapters.flask import create_app as create_flask_app
from taskflow.adapters.web.cookies import csrf_token_for


@frozen
class Answer:
    status: int
    body: Any
    cookies: list[str]


Send = Callable[..., Answer]


def _client(kind: str, tf: TaskFlow, host: str) -> Send:
    base = f"http://{host}"
    if kind == "fastapi":
        client = TestClient(create_fastapi_app(tf, NO_RATE_LIMITS), base_url=base)

        def send_fastapi(
            path: str, json: Any = None, headers: dict[str, str] | None = None
        ) -> Answer:
            client.cookies.clear()  # the Cookie header is this test's alone
            response = client.post(path, json=json, headers=headers or {})
            body = response.json() if response.content else None
            return Answer(response.status_code, body, response.headers.get_list("set-cookie"))

        return send_fastapi

    flask_client = create_flask_app(tf, NO_RATE_LIMITS).test_client(use_cookies=False)

    def send_flask(path: str, json: Any = None, headers: dict[str, str] | None = None) -> Answer:
        response = flask_client.post(path, json=json, headers=headers or {}, base_url=base)
        body = response.get_json(silent=True)
        return Answer(response.status_code, body, response.headers.getlist("Set-Cookie"))

    return send_flask


def _parsed(lines: list[str]) -> dict[str, dict[str, Any]]:
    cookies: dict[str, dict[str, Any]] = {}
    for line in lines:
        jar: SimpleCookie = SimpleCookie()
        jar.load(line)
        for name, morsel in jar.items():
            cookies[name] = {"value": morsel.value, **{k: v for k, v in morsel.items() if v}}
    return cookies


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _signup(send: Send, email: str) -> None:
    answer = send("/auth/signup", {"email": email, "password": PASSWORD, "name": "Mina"})
    assert answer.status == 201


def test_login_sets_the_refresh_cookie_and_keeps_it_out_of_the_body(
    server: str, tf: TaskFlow
) -> None:
    send = _client(server, tf, "127.0.0.1:8000")
    _signup(send, "mina@example.com")
    answer = send("/auth/cookie/login", {"email": "mina@example.com", "password": PASSWORD})
    assert answer.status == 200
    assert set(answer.body) == {"user", "token"}  # no refresh_token for a script to read
    cookies = _parsed(answer.cookies)
    refresh, csrf = cookies["taskflow_refresh"], cookies["taskflow_csrf"]
    assert refresh["httponly"] is True
    assert refresh["samesite"] == "Strict"
    assert refresh["path"] == "/auth/cookie/refresh"
    assert refresh["max-age"] == str(7 * 24 * 3600)
    assert "secure" not in refresh  # plain HTTP on loopback: the browser would drop it
    assert "httponly" not in csrf  # the client's script reads it into the header
    assert csrf["path"] == "/"
    assert csrf["samesite"] == "Strict"
    assert csrf["value"] == csrf_token_for(refresh["value"])


def test_the_cookie_is_secure_off_loopback(server: str, tf: TaskFlow) -> None:
    send = _client(server, tf, "tasks.example.com")
    _signup(send, "sara@example.com")
    answer = send("/auth/cookie/login", {"email": "sara@example.com", "password": PASSWORD})
    cookies = _parsed(answer.cookies)
    assert cookies["taskflow_refresh"]["secure"] is True
    assert cookies["taskflow_csrf"]["secure"] is True


def test_refresh_rotates_the_cookie_and_needs_the_csrf_header(server: str, tf: TaskFlow) -> None:
    send = _client(server, tf, "localhost:8000")
    _signup(send, "omid@example.com")
    login = send("/auth/cookie/login", {"email": "omid@example.com", "password": PASSWORD})
    refresh = _parsed(login.cookies)["taskflow_refresh"]["value"]
    cookie = {"Cookie": f"taskflow_refresh={refresh}"}

    missing = send("/auth/cookie/refresh", headers=cookie)
    assert (missing.status, missing.body["error"]["code"]) == (403, "csrf_failed")
    forged = send("/auth/cookie/refresh", headers={**cookie, "X-CSRF-Token": "forged"})
    assert (forged.status, forged.body["error"]["code"]) == (403, "csrf_failed")
    no_cookie = send("/auth/cookie/refresh", headers={"X-CSRF-Token": csrf_token_for(refresh)})
    assert (no_cookie.status, no_cookie.body["error"]["code"]) == (401, "invalid_token")

    answer = send(
        "/auth/cookie/refresh", headers={**cookie, "X-CSRF-Token": csrf_token_for(refresh)}
    )
    assert answer.status == 200, answer.body
    assert set(answer.body) == {"user", "token"}
    assert answer.body["user"]["email"] == "omid@example.com"
    rotated = _parsed(answer.cookies)["taskflow_refresh"]["value"]
    assert rotated != refresh
    # The old cookie is spent: presenting it again is reuse, and ends the session.
    reused = send(
        "/auth/cookie/refresh", headers={**cookie, "X-CSRF-Token": csrf_token_for(refresh)}
    )
    assert (reused.status, reused.body["error"]["code"]) == (401, "refresh_token_reused")


def test_logout_ends_the_session_and_clears_both_cookies(server: str, tf: TaskFlow) -> None:
    send = _client(server, tf, "127.0.0.1:8000")
    _signup(send, "leila@example.com")
    login = send("/auth/cookie/login", {"email": "leila@example.com", "password": PASSWORD})
    refresh = _parsed(login.cookies)["taskflow_refresh"]["value"]
    bearer = {"Authorization": f"Bearer {login.body['token']}"}
    answer = send("/auth/cookie/logout", headers=bearer)
    assert answer.status == 204
    cleared = _parsed(answer.cookies)
    assert cleared["taskflow_refresh"]["max-age"] == "0"
    assert cleared["taskflow_refresh"]["path"] == "/auth/cookie/refresh"
    assert cleared["taskflow_csrf"]["max-age"] == "0"
    after = send(
        "/auth/cookie/refresh",
        headers={"Cookie": f"taskflow_refresh={refresh}", "X-CSRF-Token": csrf_token_for(refresh)},
    )
    assert after.status == 401


def test_the_json_refresh_flow_is_unchanged(server: str, tf: TaskFlow) -> None:
    send = _client(server, tf, "127.0.0.1:8000")
    _signup(send, "nima@example.com")
    login = send("/auth/login", {"email": "nima@example.com", "password": PASSWORD})
    assert login.cookies == []
    answer = send("/auth/refresh", {"refresh_token": login.body["refresh_token"]})
    assert answer.status == 200
    assert "refresh_token" in answer.body
    assert answer.cookies == []
