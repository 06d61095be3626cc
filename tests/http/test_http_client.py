"""The web client as both reference servers serve it: the page at ``/`` and at the pages
the mails link to, hashed assets cached for a year, the page never cached, the client's
own CSP (the API's stays strict); a host app serves it only where it opts in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from flask import Flask
from httpkit import NO_RATE_LIMITS, SERVERS, Api, build_api
from starlette.testclient import TestClient

from taskflow import TaskFlow
from taskflow.adapters.fastapi import create_app as create_fastapi_app
from taskflow.adapters.fastapi import mount_client, mount_taskflow
from taskflow.adapters.flask import TaskFlowExtension, register_client
from taskflow.adapters.flask import create_app as create_flask_app
from taskflow.adapters.web.client import CLIENT_CSP, CLIENT_DIST
from taskflow.notifications.config import NotificationConfig
from taskflow.testing import make_test_taskflow

API_CSP = "default-src 'none'; frame-ancestors 'none'"


@pytest.fixture(params=SERVERS)
def api(request: pytest.FixtureRequest, tf: TaskFlow) -> Api:
    return build_api(str(request.param), tf)


def _asset_names() -> list[str]:
    page = (CLIENT_DIST / "index.html").read_text("utf-8")
    return re.findall(r'(?:src|href)="\./(assets/[^"]+)"', page)


@pytest.mark.parametrize(
    "path", ["/", "/invites/accept?token=abc", "/verify-email?token=abc", "/reset-password?token=x"]
)
def test_the_page_answers_at_the_root_and_at_the_mails_pages(api: Api, path: str) -> None:
    reply = api.get(path)
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["content-security-policy"] == CLIENT_CSP
    page = reply.content.decode()
    assert '<base href="/">' in page
    assert 'name="taskflow-config"' in page
    assert "&quot;invite&quot;: &quot;/invites/accept&quot;" in page


def test_the_clients_csp_allows_only_its_own_assets() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CLIENT_CSP.split(";"))
    assert directives["default-src"] == "'none'"
    for name in ("script-src", "style-src", "connect-src", "manifest-src", "worker-src"):
        assert directives[name] == "'self'", name  # no inline script, no CDN, no eval
    assert directives["frame-ancestors"] == "'none'"


def test_hashed_assets_are_cached_for_a_year(api: Api) -> None:
    names = _asset_names()
    assert names
    for name in names:
        reply = api.get(f"/{name}")
        assert reply.status == 200, name
        assert reply.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert reply.content == (CLIENT_DIST / name).read_bytes()
    script = next(name for name in names if name.endswith(".js"))
    assert api.get(f"/{script}").headers["content-type"].startswith("text/javascript")


def test_the_service_worker_and_manifest_are_revalidated(api: Api) -> None:
    worker = api.get("/sw.js")
    assert worker.status == 200
    assert worker.headers["cache-control"] == "no-cache"
    assert worker.headers["content-type"].startswith("text/javascript")
    manifest = api.get("/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"
    assert manifest.json()["icons"]


def test_an_unknown_asset_is_taskflows_404(api: Api) -> None:
    reply = api.get("/assets/nothing-here.js")
    assert reply.status == 404
    assert reply.error_code == "not_found"


def test_the_api_keeps_its_strict_csp(api: Api) -> None:
    reply = api.get("/health")
    assert reply.headers["content-security-policy"] == API_CSP
    # The invite page and the invite endpoints share a path prefix: both still answer.
    assert api.delete("/invites/accept").status == 401


@pytest.mark.parametrize("server", SERVERS)
def test_the_pages_follow_the_link_path_settings(server: str) -> None:
    links = NotificationConfig(
        invite_path="/join", verify_email_path="/account/verify", reset_password_path="/pw"
    )
    with make_test_taskflow(notification_config=links) as tf:
        api = build_api(server, tf, NO_RATE_LIMITS)
        for path in ("/join?token=a", "/account/verify?token=a", "/pw?token=a"):
            reply = api.get(path)
            assert reply.status == 200, path
            assert reply.headers["content-type"].startswith("text/html")
        assert "&quot;invite&quot;: &quot;/join&quot;" in api.get("/").content.decode()


def _get(app: Any, path: str) -> tuple[int, str]:
    if isinstance(app, FastAPI):
        response = TestClient(app).get(path)
        return response.status_code, response.headers.get("content-type", "")
    flask_response = app.test_client().get(path)
    return flask_response.status_code, flask_response.content_type or ""


@pytest.mark.parametrize("server", SERVERS)
def test_a_host_gets_no_client_unless_it_opts_in(server: str, tf: TaskFlow) -> None:
    app: Any
    if server == "fastapi":
        app = FastAPI()
        mount_taskflow(app, tf, NO_RATE_LIMITS)
    else:
        app = Flask("host")
        TaskFlowExtension(app, tf, NO_RATE_LIMITS)
    assert _get(app, "/")[0] == 404
    assert _get(app, "/invites/accept")[0] in {404, 405}


@pytest.mark.parametrize("server", SERVERS)
def test_a_host_opts_in_under_its_own_root(server: str, tf: TaskFlow) -> None:
    app: Any
    if server == "fastapi":
        app = FastAPI()
        mount_taskflow(app, tf, NO_RATE_LIMITS, prefix="/api")
        mount_client(app, tf, root="/tasks/", api_prefix="/api")
    else:
        app = Flask("host")
        TaskFlowExtension(app, tf, NO_RATE_LIMITS, url_prefix="/api")
        register_client(app, tf, root="/tasks/", api_prefix="/api")
    assert _get(app, "/")[0] == 404  # the host's root stays the host's
    status, content_type = _get(app, "/tasks/")
    assert (status, content_type.split(";")[0]) == (200, "text/html")
    assert _get(app, "/tasks/invites/accept?token=a")[0] == 200
    assert _get(app, f"/tasks/{_asset_names()[0]}")[0] == 200
    if isinstance(app, FastAPI):
        page = TestClient(app).get("/tasks/").text
    else:
        page = app.test_client().get("/tasks/").get_data(as_text=True)
    assert '<base href="/tasks/">' in page
    assert "&quot;api&quot;: &quot;/api&quot;" in page


def test_the_reference_servers_can_leave_the_client_out(tf: TaskFlow) -> None:
    assert (
        TestClient(create_fastapi_app(tf, NO_RATE_LIMITS, client=False)).get("/").status_code == 404
    )
    flask_app = create_flask_app(tf, NO_RATE_LIMITS, client=False)
    assert flask_app.test_client().get("/").status_code == 404


NAVIGATION = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Accept": "text/html"}
TASK = "/tasks/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"


def test_a_browser_opening_a_task_link_gets_the_page(api: Api) -> None:
    reply = api.get(TASK, headers=NAVIGATION)
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert reply.headers["content-security-policy"] == CLIENT_CSP
    assert "&quot;task&quot;: &quot;/tasks/{id}&quot;" in reply.content.decode()


def test_the_task_path_stays_the_apis_for_everything_but_a_navigation(api: Api) -> None:
    assert api.get(TASK).error_code == "unauthenticated"
    fetched = api.get(TASK, headers={**NAVIGATION, "Sec-Fetch-Mode": "cors"})
    assert fetched.error_code == "unauthenticated"
    with_token = api.get(TASK, headers={**NAVIGATION, "Authorization": "Bearer nope"})
    assert with_token.status == 401
    assert with_token.headers["content-type"] == "application/json"


@pytest.mark.parametrize("server", SERVERS)
def test_the_task_page_follows_its_link_path_setting(server: str) -> None:
    with make_test_taskflow(notification_config=NotificationConfig(task_path="/t/{id}/view")) as tf:
        api = build_api(server, tf, NO_RATE_LIMITS)
        assert api.get("/t/abc/view", headers=NAVIGATION).status == 200
        assert api.get("/t/abc/view").status == 404
        assert api.get(TASK, headers=NAVIGATION).error_code == "unauthenticated"


def _meta_config(page: str) -> dict[str, object]:
    import html as html_module  # noqa: PLC0415
    import json as json_module  # noqa: PLC0415
    import re as re_module  # noqa: PLC0415

    found = re_module.search(r'<meta name="taskflow-config" content="([^"]*)">', page)
    assert found is not None
    config: dict[str, object] = json_module.loads(html_module.unescape(found.group(1)))
    return config


def test_in_identity_mode_the_client_is_told_the_host_s_login() -> None:
    from fastapi import FastAPI  # noqa: PLC0415
    from flask import Flask  # noqa: PLC0415
    from starlette.testclient import TestClient  # noqa: PLC0415

    from taskflow.adapters.fastapi import mount_client, mount_taskflow  # noqa: PLC0415
    from taskflow.adapters.flask import TaskFlowExtension, register_client  # noqa: PLC0415
    from taskflow.errors import ConfigurationError  # noqa: PLC0415
    from taskflow.testing import InMemoryUserDirectory, make_test_taskflow  # noqa: PLC0415

    tf = make_test_taskflow(directory=InMemoryUserDirectory())
    hosted = {"login": "/login", "logout": "/logout"}

    fastapi_app = FastAPI()
    mount_taskflow(fastapi_app, tf, prefix="/api", identity=lambda _request: None)
    with pytest.raises(ConfigurationError, match="login_url"):
        mount_client(fastapi_app, tf, root="/app/", api_prefix="/api")
    mount_client(
        fastapi_app, tf, root="/app/", api_prefix="/api", login_url="/login", logout_url="/logout"
    )
    page = TestClient(fastapi_app).get("/app/").text
    assert _meta_config(page)["hosted"] == hosted

    flask_app = Flask("host")
    TaskFlowExtension(flask_app, tf, url_prefix="/api", identity=lambda: None)
    register_client(
        flask_app, tf, root="/app/", api_prefix="/api", login_url="/login", logout_url="/logout"
    )
    page = flask_app.test_client().get("/app/").get_data(as_text=True)
    assert _meta_config(page)["hosted"] == hosted

    plain = FastAPI()  # taskflow's own accounts: no hosted login in the page
    mount_taskflow(plain, make_test_taskflow(), prefix="/api")
    mount_client(plain, tf, root="/app/", api_prefix="/api")
    assert "hosted" not in _meta_config(TestClient(plain).get("/app/").text)
