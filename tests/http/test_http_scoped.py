"""Mounted on an existing app, taskflow changes only its own routes.

A host app (its own routes, an HTML page, its own 404, validation and ValueError
handlers, an ``HTTPException(404, "thing not found")``, an upload bigger than taskflow's
body limit) is built twice, with and without taskflow, and every host request must be
answered identically: status, body and headers. taskflow's routes on that same app keep
taskflow's error body and headers whatever handlers the host registers (after mounting,
here, so that they would win if they were app-wide). ``app_wide=True`` is the opt-in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from flask import Flask, abort
from flask import request as flask_request
from httpkit import PASSWORD, SERVERS, Reply
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.testclient import TestClient

from taskflow import TaskFlow
from taskflow.adapters.fastapi import CurrentPrincipal, mount_taskflow
from taskflow.adapters.flask import TaskFlowExtension, current_principal
from taskflow.adapters.web import WebConfig
from taskflow.errors import TaskflowError

ORIGIN = "https://app.example.com"
CONFIG = WebConfig(rate_limit=None, auth_rate_limit=None, cors_origins=(ORIGIN,))
HTML = "<!doctype html><html><body><h1>Welcome</h1></body></html>"
BIG = b"x" * (2 * 1024 * 1024)  # over taskflow's 1 MiB body limit
API_CSP = "default-src 'none'; frame-ancestors 'none'"

Send = Callable[..., Reply]
Mount = Callable[[Any], None] | None


class ThingIn(BaseModel):
    name: str


class UserOut(BaseModel):
    """The host's own ``UserOut``: taskflow has a schema of that name too."""

    login: str


class HostInvalid(Exception):
    pass


def fastapi_host(mount: Mount) -> FastAPI:
    app = FastAPI(title="Host")
    if mount is not None:
        mount(app)

    @app.get("/page", response_class=HTMLResponse)
    def page() -> str:
        return HTML

    @app.get("/things/{thing_id}")
    def thing(thing_id: int) -> dict[str, int]:
        if thing_id != 1:
            raise StarletteHTTPException(404, "thing not found")
        return {"id": thing_id}

    @app.post("/things", status_code=201)
    def create_thing(thing: ThingIn) -> dict[str, str]:
        return {"name": thing.name}

    @app.get("/users/{login}")
    def user(login: str) -> UserOut:
        return UserOut(login=login)

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.get("/teams/{team_id}/report")
    def report(team_id: str) -> dict[str, str]:
        return {"report": team_id}

    @app.get("/boom")
    def boom() -> None:
        raise ValueError("host boom")

    @app.exception_handler(StarletteHTTPException)
    async def host_http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"host_error": error.detail}, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def host_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"host_invalid": len(error.errors())}, status_code=422)

    @app.exception_handler(ValueError)
    async def host_value_error(_request: Request, error: ValueError) -> JSONResponse:
        return JSONResponse({"host_value_error": str(error)}, status_code=418)

    return app


def flask_host(mount: Mount) -> Flask:
    app = Flask("host")
    if mount is not None:
        mount(app)

    @app.get("/page")
    def page() -> str:
        return HTML

    @app.get("/things/<int:thing_id>")
    def thing(thing_id: int) -> dict[str, int]:
        if thing_id != 1:
            abort(404, description="thing not found")
        return {"id": thing_id}

    @app.post("/things")
    def create_thing() -> tuple[dict[str, str], int]:
        body = flask_request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise HostInvalid
        return {"name": body["name"]}, 201

    @app.post("/upload")
    def upload() -> dict[str, int]:
        return {"size": len(flask_request.get_data())}

    @app.get("/teams/<team_id>/report")
    def report(team_id: str) -> dict[str, str]:
        return {"report": team_id}

    @app.get("/boom")
    def boom() -> None:
        raise ValueError("host boom")

    @app.errorhandler(404)
    def host_not_found(error: Any) -> tuple[dict[str, str], int]:
        return {"host_error": error.description}, 404

    @app.errorhandler(HostInvalid)
    def host_invalid(_error: HostInvalid) -> tuple[dict[str, int], int]:
        return {"host_invalid": 1}, 422

    @app.errorhandler(ValueError)
    def host_value_error(error: ValueError) -> tuple[dict[str, str], int]:
        return {"host_value_error": str(error)}, 418

    return app


def client_of(server: str, app: Any) -> Send:
    if server == "fastapi":
        client = TestClient(app, raise_server_exceptions=False)

        def send_fastapi(
            method: str, path: str, content: bytes | None = None, headers: Any = None
        ) -> Reply:
            response = client.request(method, path, content=content, headers=headers)
            return Reply(
                response.status_code,
                {k.lower(): v for k, v in response.headers.items()},
                response.content,
            )

        return send_fastapi
    flask_client = app.test_client()

    def send_flask(
        method: str, path: str, content: bytes | None = None, headers: Any = None
    ) -> Reply:
        response = flask_client.open(path, method=method, data=content, headers=headers)
        return Reply(
            response.status_code,
            {k.lower(): v for k, v in response.headers.items()},
            response.get_data(),
        )

    return send_flask


def host_app(server: str, tf: TaskFlow | None, **options: Any) -> Any:
    if server == "fastapi":
        mount = None if tf is None else lambda app: mount_taskflow(app, tf, CONFIG, **options)
        return fastapi_host(mount)
    flask_mount = None if tf is None else lambda app: TaskFlowExtension(app, tf, CONFIG, **options)
    return flask_host(flask_mount)


JSON = {"Content-Type": "application/json"}
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
HOST_REQUESTS: list[tuple[str, str, bytes | None, dict[str, str] | None]] = [
    ("GET", "/page", None, None),
    ("GET", "/page", None, {"Origin": ORIGIN, "X-Request-ID": "abc-123"}),
    ("GET", "/things/1", None, None),
    ("GET", "/things/2", None, None),  # HTTPException(404, "thing not found")
    ("GET", "/things/not-a-number", None, None),
    ("POST", "/things", b'{"name": "lamp"}', JSON),
    ("POST", "/things", b'{"colour": "red"}', JSON),  # the host's validation handler
    ("POST", "/things", b"{not json", JSON),
    ("GET", "/nowhere", None, None),  # no route: the host's 404
    ("DELETE", "/page", None, None),  # wrong method: the host's 405
    ("OPTIONS", "/page", None, PREFLIGHT),
    ("POST", "/upload", BIG, {"Content-Type": "application/octet-stream"}),
    ("GET", f"/teams/{uuid4()}/report", None, None),  # beside taskflow's /teams/{id}
    ("GET", "/boom", None, None),  # the host's ValueError handler
]


@pytest.mark.parametrize("server", SERVERS)
def test_the_hosts_own_requests_are_answered_exactly_as_without_taskflow(
    server: str, tf: TaskFlow
) -> None:
    without = client_of(server, host_app(server, None))
    mounted = client_of(server, host_app(server, tf))
    for method, path, content, headers in HOST_REQUESTS:
        expected = without(method, path, content, headers)
        answered = mounted(method, path, content, headers)
        assert (answered.status, answered.content, answered.headers) == (
            expected.status,
            expected.content,
            expected.headers,
        ), f"{method} {path}"
    # The host's responses are really the host's: its handlers answered them.
    assert without("GET", "/things/2").json() == {"host_error": "thing not found"}
    assert "content-security-policy" not in without("GET", "/page").headers


@pytest.fixture
def token(tf: TaskFlow) -> str:
    return tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner").token


def _assert_taskflows_edge(reply: Reply) -> None:
    assert reply.headers["content-security-policy"] == API_CSP
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["x-request-id"]


@pytest.mark.parametrize("server", SERVERS)
def test_taskflows_routes_keep_taskflows_errors_and_headers_on_a_host_app(
    server: str, tf: TaskFlow, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    send = client_of(server, host_app(server, tf))
    bearer = {"Authorization": f"Bearer {token}"}

    unauthenticated = send("GET", "/teams")
    assert unauthenticated.status == 401
    assert unauthenticated.error_code == "unauthenticated"
    _assert_taskflows_edge(unauthenticated)

    invalid = send("POST", "/teams", b'{"nom": "x"}', {**JSON, **bearer})
    assert invalid.status == 400  # not the host's 422
    assert invalid.error_code == "invalid_input"
    assert invalid.error_fields == ["name", "nom"]
    _assert_taskflows_edge(invalid)

    bad_id = send("GET", "/teams/not-a-uuid", None, bearer)
    assert (bad_id.status, bad_id.error_code) == (400, "invalid_input")

    missing = send("GET", f"/teams/{uuid4()}", None, bearer)
    assert (missing.status, missing.error_code) == (404, "team_not_found")
    _assert_taskflows_edge(missing)

    too_big = send("POST", "/teams", BIG, {**JSON, **bearer})
    assert (too_big.status, too_big.error_code) == (413, "payload_too_large")
    _assert_taskflows_edge(too_big)

    preflight = send("OPTIONS", "/teams", None, PREFLIGHT)
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN

    traced = send("GET", "/teams", None, {**bearer, "X-Request-ID": "abc-123"})
    assert traced.status == 200
    assert traced.headers["x-request-id"] == "abc-123"
    _assert_taskflows_edge(traced)

    def broken(_user_id: Any) -> Any:
        raise ValueError("a bug in taskflow")

    monkeypatch.setattr(tf.teams, "list_mine", broken)
    crashed = send("GET", "/teams", None, bearer)
    assert crashed.status == 500  # not the host's ValueError handler (418)
    assert crashed.json() == {
        "error": {"code": "internal_error", "message": "An internal error occurred."}
    }
    _assert_taskflows_edge(crashed)


def test_fastapi_a_wrong_method_on_taskflows_path_is_taskflows_405(tf: TaskFlow) -> None:
    """FastAPI picks taskflow's route for its path before the method is checked, so that
    route answers. (Flask resolves a wrong method before choosing any blueprint: the
    app's own 405 answers, as for any path of the app.)"""
    send = client_of("fastapi", host_app("fastapi", tf))
    wrong_method = send("PUT", "/teams")
    assert wrong_method.status == 405
    assert wrong_method.error_code == "method_not_allowed"
    assert "GET" in wrong_method.headers["allow"]
    _assert_taskflows_edge(wrong_method)


@pytest.mark.parametrize("server", SERVERS)
def test_app_wide_is_the_hosts_explicit_choice(server: str, tf: TaskFlow) -> None:
    send = client_of(server, host_app(server, tf, app_wide=True))
    page = send("GET", "/page")
    assert page.status == 200
    assert page.headers["cache-control"] == "no-store"
    assert "content-security-policy" in page.headers
    nowhere = send("GET", "/nowhere")
    assert nowhere.headers["content-security-policy"] == API_CSP
    assert nowhere.headers["x-request-id"]


@pytest.mark.parametrize("server", SERVERS)
def test_the_hosts_own_views_answer_taskflows_error_body_for_a_taskflow_error(
    server: str, tf: TaskFlow
) -> None:
    """The one app-level addition: a TaskflowError escaping the host's own view (its
    use of taskflow's dependencies/helpers) is answered, not a 500; the host's handler
    for it wins when it has one."""
    if server == "fastapi":
        app = fastapi_host(lambda app: mount_taskflow(app, tf, CONFIG))

        @app.get("/mine")
        def mine(principal: CurrentPrincipal) -> dict[str, str]:
            return {"id": str(principal.user_id)}

        own = FastAPI()

        @own.exception_handler(TaskflowError)
        async def own_handler(_request: Request, error: TaskflowError) -> JSONResponse:
            return JSONResponse({"host_taskflow_error": error.code}, status_code=499)

        mount_taskflow(own, tf, CONFIG)

        @own.get("/mine")
        def own_mine(principal: CurrentPrincipal) -> dict[str, str]:
            return {"id": str(principal.user_id)}

    else:
        app = flask_host(lambda app: TaskFlowExtension(app, tf, CONFIG))
        app.add_url_rule("/mine", "mine", lambda: {"id": str(current_principal().user_id)})
        own = Flask("own")
        own.register_error_handler(
            TaskflowError, lambda error: ({"host_taskflow_error": error.code}, 499)
        )
        TaskFlowExtension(own, tf, CONFIG)
        own.add_url_rule("/mine", "mine", lambda: {"id": str(current_principal().user_id)})

    reply = client_of(server, app)("GET", "/mine")
    assert (reply.status, reply.error_code) == (401, "unauthenticated")
    assert "content-security-policy" not in reply.headers  # the host's view, not taskflow's
    own_reply = client_of(server, own)("GET", "/mine")
    assert (own_reply.status, own_reply.json()) == (499, {"host_taskflow_error": "unauthenticated"})


def test_fastapi_openapi_keeps_the_hosts_operations_and_adds_taskflows(tf: TaskFlow) -> None:
    host = TestClient(fastapi_host(None)).get("/openapi.json").json()
    joined = TestClient(host_app("fastapi", tf)).get("/openapi.json").json()

    assert joined["info"] == host["info"]
    for path, path_item in host["paths"].items():
        assert joined["paths"][path] == path_item, path  # 422s and $refs untouched
    for name, schema in host["components"]["schemas"].items():
        assert joined["components"]["schemas"][name] == schema, name
    assert "422" in joined["paths"]["/things"]["post"]["responses"]

    # taskflow's operations, under their own tags, with 400 and never 422.
    teams = joined["paths"]["/teams"]
    assert teams["get"]["tags"] == ["teams"]
    assert teams["post"]["tags"] == ["teams"]
    assert "400" in teams["post"]["responses"]
    assert "422" not in teams["post"]["responses"]
    assert joined["paths"]["/auth/signup"]["post"]["tags"] == ["auth"]
    assert joined["paths"]["/health"]["get"]["tags"] == ["operations"]
    # taskflow's UserOut, not the host's, under a name of its own.
    assert joined["components"]["schemas"]["UserOut"] == host["components"]["schemas"]["UserOut"]
    assert "TaskflowUserOut" in joined["components"]["schemas"]
    assert "#/components/schemas/TaskflowUserOut" in json.dumps(joined)
    assert "HTTPBearer" in joined["components"]["securitySchemes"]
