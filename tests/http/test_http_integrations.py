"""Mounting taskflow in an existing app: choosing areas and a prefix, using the
dependencies/helpers in the application's own endpoints, the application-factory pattern,
the thread pool, Sentry. (The REST contract itself is in the other files.)"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import threading
from typing import Any

import httpx
import pytest
import sentry_sdk
from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from flask import Flask
from httpkit import PASSWORD
from pydantic import SecretStr
from starlette.testclient import TestClient

from taskflow.adapters.fastapi import (
    CurrentPrincipal,
    TaskFlowDep,
    in_service_thread,
    mount_taskflow,
    require_team_role,
)
from taskflow.adapters.fastapi import (
    create_app as create_fastapi_app,
)
from taskflow.adapters.flask import TaskFlowExtension, current_principal, get_taskflow
from taskflow.adapters.web import WebConfig
from taskflow.adapters.web import sentry as sentry_module
from taskflow.entrypoints.serve import configure_serve_command
from taskflow.errors import ConfigurationError

CONFIG = WebConfig(rate_limit=None, auth_rate_limit=None)


def _signup(tf, email="owner@example.com"):
    return tf.auth.signup(email=email, password=PASSWORD, name="Owner")


def test_fastapi_mounts_chosen_areas_under_a_prefix(tf):
    app = FastAPI()
    mount_taskflow(app, tf, CONFIG, areas=["auth"], prefix="/api")
    client = TestClient(app)
    signed_up = client.post(
        "/api/auth/signup", json={"email": "a@example.com", "password": PASSWORD, "name": "A"}
    )
    assert signed_up.status_code == 201
    assert client.get("/api/health").status_code == 200
    headers = {"Authorization": f"Bearer {signed_up.json()['token']}"}
    assert client.get("/api/teams", headers=headers).status_code == 404  # not mounted
    assert client.get("/auth/me", headers=headers).status_code == 404


def test_fastapi_refuses_an_unknown_area(tf):
    with pytest.raises(ConfigurationError, match="reports"):
        mount_taskflow(FastAPI(), tf, CONFIG, areas=["auth", "reports"])


def test_fastapi_dependencies_serve_the_applications_own_endpoints(tf):
    app = FastAPI()
    mount_taskflow(app, tf, CONFIG)

    @app.get("/mine")
    def mine(principal: CurrentPrincipal, taskflow: TaskFlowDep) -> dict[str, int]:
        return {"teams": len(taskflow.teams.list_mine(principal.user_id))}

    @app.get("/teams/{team_id}/report", dependencies=[Depends(require_team_role("admin"))])
    def report(team_id: str) -> dict[str, str]:
        return {"team": team_id}

    owner = _signup(tf)
    member = _signup(tf, "member@example.com")
    team = tf.teams.create(owner.user.id, name="T")
    client = TestClient(app)
    owner_headers = {"Authorization": f"Bearer {owner.token}"}
    assert client.get("/mine", headers=owner_headers).json() == {"teams": 1}
    assert client.get("/mine").status_code == 401
    assert client.get(f"/teams/{team.id}/report", headers=owner_headers).status_code == 200
    member_headers = {"Authorization": f"Bearer {member.token}"}
    outsider = client.get(f"/teams/{team.id}/report", headers=member_headers)
    assert outsider.status_code == 403
    assert outsider.json()["error"]["code"] == "not_team_member"


def test_flask_application_factory_areas_prefix_and_own_views(tf):
    extension = TaskFlowExtension()

    def create_app() -> Flask:
        app = Flask(__name__)
        extension.init_app(app, tf, CONFIG, areas=["auth", "teams"], url_prefix="/api")

        @app.get("/mine")
        def mine() -> dict[str, int]:
            return {"teams": len(get_taskflow().teams.list_mine(current_principal().user_id))}

        return app

    owner = _signup(tf)
    tf.teams.create(owner.user.id, name="T")
    client = create_app().test_client()
    headers = {"Authorization": f"Bearer {owner.token}"}
    assert client.get("/api/teams", headers=headers).status_code == 200
    assert client.get("/api/me/tasks", headers=headers).status_code == 404  # not registered
    assert client.get("/mine", headers=headers).get_json() == {"teams": 1}
    unauthenticated = client.get("/mine")
    assert unauthenticated.status_code == 401
    assert unauthenticated.get_json()["error"]["code"] == "unauthenticated"


def test_flask_extension_needs_the_services(tf):
    with pytest.raises(ConfigurationError):
        TaskFlowExtension(Flask(__name__))


def test_fastapi_runs_service_calls_off_the_event_loop(tf, monkeypatch):
    """A slow service call (a password hash, a query) must not stop other requests: the
    blocked call waits for /health to be answered, which only happens if it runs in the
    thread pool rather than on the event loop."""
    app = FastAPI()
    mount_taskflow(app, tf, CONFIG)
    owner = _signup(tf)
    entered, health_answered = threading.Event(), threading.Event()

    def slow_list_mine(_user_id):
        entered.set()
        assert health_answered.wait(timeout=5), "the event loop was blocked"
        return []

    monkeypatch.setattr(tf.teams, "list_mine", slow_list_mine)

    async def scenario() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            slow = asyncio.create_task(
                client.get("/teams", headers={"Authorization": f"Bearer {owner.token}"})
            )
            assert await asyncio.to_thread(entered.wait, 5)  # the slow call is running
            health = await client.get("/health")
            health_answered.set()
            return health.status_code, (await slow).status_code

    assert asyncio.run(scenario()) == (200, 200)


def test_sentry_starts_when_a_dsn_is_configured(tf, monkeypatch):
    started: list[dict[str, object]] = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: started.append(options))
    monkeypatch.setattr(sentry_module, "_initialised_dsn", None)
    dsn = "https://public@sentry.example.com/1"
    mount_taskflow(FastAPI(), tf, WebConfig(sentry_dsn=SecretStr(dsn)))
    assert [(o["dsn"], o["send_default_pii"], o["traces_sample_rate"]) for o in started] == [
        (dsn, False, 0.0)
    ]
    mount_taskflow(FastAPI(), tf, WebConfig())  # no DSN: nothing more
    assert len(started) == 1


def test_sentry_without_the_sdk_is_a_clear_configuration_error(tf, monkeypatch):
    monkeypatch.setattr(sentry_module, "_initialised_dsn", None)
    monkeypatch.setitem(__import__("sys").modules, "sentry_sdk", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'taskflow-embed\[sentry\]'"):
        mount_taskflow(FastAPI(), tf, WebConfig(sentry_dsn=SecretStr("https://k@s.example/1")))


def test_create_app_caps_the_thread_pool_while_it_runs(tf):
    app = create_fastapi_app(tf, CONFIG, threads=3)

    @app.get("/threads")
    async def threads() -> dict[str, float]:
        return {"tokens": to_thread.current_default_thread_limiter().total_tokens}

    with TestClient(app) as client:  # the lifespan runs: the cap is set on its event loop
        assert client.get("/threads").json() == {"tokens": 3}
        owner = _signup(tf)
        reply = client.get("/auth/me", headers={"Authorization": f"Bearer {owner.token}"})
        assert reply.status_code == 200


def test_create_app_refuses_an_empty_thread_pool(tf):
    with pytest.raises(ConfigurationError, match="thread"):
        create_fastapi_app(tf, CONFIG, threads=0)


def test_serve_refuses_an_empty_thread_pool():
    parser = argparse.ArgumentParser()
    configure_serve_command(parser)
    args = parser.parse_args(["--threads", "0"])
    assert args.threads == 0
    with pytest.raises(ConfigurationError, match="--threads"):
        args.handler(args)
    defaults = parser.parse_args([])
    assert defaults.threads is None  # each server's own default
    assert (defaults.loop, defaults.http) == ("auto", "auto")  # uvicorn's own choice
    chosen = parser.parse_args(["--loop", "asyncio", "--http", "h11"])
    assert (chosen.loop, chosen.http) == ("asyncio", "h11")
    with pytest.raises(SystemExit):
        parser.parse_args(["--loop", "trio"])


def test_service_calls_run_in_the_apps_service_threads_with_the_callers_context(tf):
    app = create_fastapi_app(tf, CONFIG, threads=2)
    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")

    def where() -> dict[str, str]:
        return {"thread": threading.current_thread().name, "marker": marker.get()}

    @app.get("/where")
    async def endpoint(request: Request) -> dict[str, str]:
        marker.set("from the request")
        return {**await in_service_thread(request, where), "loop": threading.current_thread().name}

    with TestClient(app) as client:
        answer = client.get("/where").json()
    assert answer["thread"].startswith("taskflow-service")
    assert answer["thread"] != answer["loop"]
    assert answer["marker"] == "from the request"


@pytest.mark.parametrize(("given", "expected"), [([], 7), (["--threads", "3"], 3)])
def test_serve_runs_fastapi_on_as_many_threads_as_pooled_connections(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, given: list[str], expected: int
) -> None:
    """Without --threads, the FastAPI server's service threads follow
    TASKFLOW_DB_POOL_SIZE (more threads than connections churn connections)."""
    from taskflow.entrypoints import serve as serve_module  # noqa: PLC0415

    seen: list[int] = []
    monkeypatch.setattr(
        serve_module, "_serve_fastapi", lambda _tf, _s, _h, _p, threads, **_kw: seen.append(threads)
    )
    monkeypatch.setenv("TASKFLOW_DB_POOL_SIZE", "7")
    monkeypatch.setenv("TASKFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "memory://")
    parser = argparse.ArgumentParser()
    configure_serve_command(parser)
    args = parser.parse_args(["--no-worker", "--skip-migrations", *given])
    assert args.handler(args) == 0
    assert seen == [expected]
