"""Identity mode over HTTP, on FastAPI and Flask: the host authenticates (here a header
its own login would set; the example apps use real sessions), taskflow serves its routes
for the host's users, and its account endpoints are off."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI, Request
from flask import Flask
from flask import request as flask_request
from httpkit import SERVERS, Reply
from starlette.testclient import TestClient

from taskflow import ConfigurationError, TaskFlow
from taskflow.adapters.fastapi import mount_taskflow
from taskflow.adapters.flask import TaskFlowExtension
from taskflow.adapters.web import WebConfig
from taskflow.testing import InMemoryUserDirectory, drain, make_test_taskflow

CONFIG = WebConfig(rate_limit=None, auth_rate_limit=None)
USER_HEADER = "X-Host-User"

Send = Callable[..., Reply]


def directory() -> InMemoryUserDirectory:
    users = InMemoryUserDirectory()
    users.add(1, email="alice@example.com", name="Alice", language="en")
    users.add(2, email="bob@example.com", name="Bob", language="fa")
    return users


def _user_of(value: str | None) -> int | None:
    return int(value) if value else None


def fastapi_app(tf: TaskFlow, *, is_async: bool = False) -> FastAPI:
    app = FastAPI(title="Host")

    def resolve(request: Request) -> int | None:
        return _user_of(request.headers.get(USER_HEADER))

    async def resolve_async(request: Request) -> int | None:
        return _user_of(request.headers.get(USER_HEADER))

    mount_taskflow(app, tf, CONFIG, identity=resolve_async if is_async else resolve)
    return app


def flask_app(tf: TaskFlow) -> Flask:
    app = Flask("host")
    TaskFlowExtension(
        app, tf, CONFIG, identity=lambda: _user_of(flask_request.headers.get(USER_HEADER))
    )
    return app


def client(server: str, tf: TaskFlow) -> Send:
    if server in {"fastapi", "fastapi-async"}:
        test_client = TestClient(
            fastapi_app(tf, is_async=server == "fastapi-async"), raise_server_exceptions=False
        )

        def send_fastapi(
            method: str, path: str, body: Any = None, user: int | None = None
        ) -> Reply:
            headers = {USER_HEADER: str(user)} if user is not None else {}
            response = test_client.request(method, path, json=body, headers=headers)
            return Reply(response.status_code, dict(response.headers), response.content)

        return send_fastapi
    flask_client = flask_app(tf).test_client()

    def send_flask(method: str, path: str, body: Any = None, user: int | None = None) -> Reply:
        headers = {USER_HEADER: str(user)} if user is not None else {}
        response = flask_client.open(path, method=method, json=body, headers=headers)
        return Reply(response.status_code, dict(response.headers), response.get_data())

    return send_flask


@pytest.fixture(params=[*SERVERS, "fastapi-async"])
def server(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def tf() -> TaskFlow:
    return make_test_taskflow(directory=directory())


def test_the_whole_story_for_the_host_s_users(server: str, tf: TaskFlow) -> None:
    send = client(server, tf)
    me = send("GET", "/auth/me", user=1)
    assert me.status == 200, me.content
    assert (me.json()["email"], me.json()["name"]) == ("alice@example.com", "Alice")
    team = send("POST", "/teams", {"name": "Ops"}, user=1).json()
    invite = send(
        "POST", "/auth/invite", {"team_id": team["id"], "email": "bob@example.com"}, user=1
    )
    assert invite.status == 201
    [mail] = drain(tf).mails_to("bob@example.com", type="invite.created")
    accepted = send("POST", "/auth/invite/accept", {"token": mail.token}, user=2)
    assert accepted.status == 200, accepted.content
    bob = send("GET", "/auth/me", user=2).json()
    task = send(
        "POST", f"/teams/{team['id']}/tasks", {"title": "Deploy", "assignee_id": bob["id"]}, user=1
    )
    assert task.status == 201
    comment = send("POST", f"/tasks/{task.json()['id']}/comments", {"content": "On it"}, user=2)
    assert comment.status == 201
    drained = drain(tf)
    [assigned] = drained.mails_to("bob@example.com", type="task.assigned")
    assert assigned.language == "fa"  # Bob's language, from the host's directory
    inbox = send("GET", "/notifications", user=2)
    assert [n["type"] for n in inbox.json()["items"]] == ["task.assigned"]
    mine = send("GET", "/me/tasks", user=2).json()
    assert [t["title"] for t in mine["items"]] == ["Deploy"]


def test_nobody_logged_in_is_a_401_in_taskflow_s_body(server: str, tf: TaskFlow) -> None:
    send = client(server, tf)
    for method, path in [("GET", "/auth/me"), ("GET", "/teams"), ("GET", "/notifications")]:
        reply = send(method, path)
        assert reply.status == 401
        assert reply.json()["error"]["code"] == "unauthenticated"


def test_an_unknown_host_user_is_a_401(server: str, tf: TaskFlow) -> None:
    assert client(server, tf)("GET", "/teams", user=99).status == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/auth/signup"),
        ("POST", "/auth/login"),
        ("POST", "/auth/refresh"),
        ("POST", "/auth/logout"),
        ("GET", "/auth/sessions"),
        ("POST", "/auth/password-reset"),
        ("POST", "/auth/password"),
        ("POST", "/auth/verify-email"),
    ],
)
def test_taskflow_s_account_endpoints_are_off(
    server: str, tf: TaskFlow, method: str, path: str
) -> None:
    reply = client(server, tf)(method, path, {"email": "x@example.com"}, user=1)
    assert reply.status == 404
    assert b"taskflow" not in reply.content.lower()  # the host's own 404


def test_the_openapi_document_has_no_account_routes_and_no_bearer() -> None:
    app = fastapi_app(make_test_taskflow(directory=directory()))
    document = TestClient(app).get("/openapi.json").json()
    assert "/auth/signup" not in document["paths"]
    assert {"/auth/me", "/auth/invite", "/auth/invite/accept", "/teams"} <= set(document["paths"])
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert all("security" not in op for op in operations)
    assert "securitySchemes" not in document.get("components", {})
    json.dumps(document)


def test_identity_mode_needs_a_directory() -> None:
    with pytest.raises(ConfigurationError, match="directory"):
        mount_taskflow(FastAPI(), make_test_taskflow(), identity=lambda _request: 1)
    with pytest.raises(ConfigurationError, match="directory"):
        TaskFlowExtension(Flask("host"), make_test_taskflow(), identity=lambda: 1)


def test_flask_refuses_an_async_resolver() -> None:
    async def resolve() -> int:
        return 1

    with pytest.raises(ConfigurationError, match="plain function"):
        TaskFlowExtension(
            Flask("host"), make_test_taskflow(directory=directory()), identity=resolve
        )


def test_nobody_logged_in_is_refused_before_bad_input(server: str, tf: TaskFlow) -> None:
    send = client(server, tf)
    assert send("GET", "/teams/not-a-uuid/tasks").status == 401
    assert send("POST", "/teams/not-a-uuid/tasks", {"title": "x"}).status == 401
    assert send("GET", "/teams/not-a-uuid/tasks", user=1).status == 400
    assert send("POST", "/tasks/not-a-uuid/complete", user=1).status == 400
