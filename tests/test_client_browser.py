"""The web client in a real browser: the two-user story (client/e2e/story.mjs) against
``taskflow serve`` as a process, once in Persian on FastAPI and once in English on Flask.

Needs Node.js, Debian's Chromium (/usr/bin/chromium, or CHROMIUM) and the client's npm
packages (``npm ci`` in client/; playwright-core drives the system browser, nothing is
downloaded). Without them the test is skipped with the reason, except under
``TASKFLOW_REQUIRE_SERVICES=1`` (CI), where it fails. A failing story leaves a screenshot
of each page in the test's folder (its path is in the failure message).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.middleware.sessions import SessionMiddleware

from taskflow.adapters.fastapi import mount_client, mount_taskflow
from taskflow.adapters.web import WebConfig
from taskflow.adapters.webpush import WebPushSender
from taskflow.notifications import NotificationConfig
from taskflow.settings import new_vapid_private_key
from taskflow.testing import InMemoryUserDirectory, drain, make_test_taskflow, one_time_token

sys.path.insert(0, str(Path(__file__).parent / "http"))
from test_serve_process import _serving, _text_of, _wait_for_mail

from push_service import running_push_service

pytestmark = [pytest.mark.sqlite, pytest.mark.slow, pytest.mark.client]

CLIENT = Path(__file__).resolve().parent.parent / "client"
STORY = CLIENT / "e2e" / "story.mjs"
_LINK = re.compile(r"https?://[^\s\"'<>]+")


def _missing() -> list[str]:
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    missing = []
    if shutil.which("node") is None:
        missing.append("node (Node.js 20)")
    if not Path(chromium).is_file():
        missing.append(f"{chromium} (apt-get install chromium)")
    if not (CLIENT / "node_modules" / "playwright-core").is_dir():
        missing.append("client/node_modules (npm ci in client/)")
    return missing


@pytest.fixture
def browser_ready() -> None:
    missing = _missing()
    if missing:
        reason = "the browser story needs " + ", ".join(missing)
        if os.environ.get("TASKFLOW_REQUIRE_SERVICES") == "1":
            pytest.fail(reason + " (TASKFLOW_REQUIRE_SERVICES=1)")
        pytest.skip(reason)


@pytest.mark.parametrize(("app", "language"), [("fastapi", "fa"), ("flask", "en")])
@pytest.mark.usefixtures("browser_ready")
def test_two_users_story_in_the_browser(app: str, language: str, tmp_path: Path) -> None:
    mail = tmp_path / "data" / "mail"
    # Both users sign in from one address: the per-IP auth limit is the edge's, not the
    # story's subject (tests/http covers it).
    settings = {"TASKFLOW_AUTH_RATE_LIMIT": "1000/minute", "TASKFLOW_RATE_LIMIT": "5000/minute"}
    with _serving(app, tmp_path, settings) as base:
        node = shutil.which("node")
        assert node is not None
        story = subprocess.Popen(
            [node, str(STORY), base, language, str(tmp_path / "artifacts")],
            cwd=CLIENT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert story.stdin is not None
        assert story.stdout is not None
        output: list[str] = []
        deadline = time.monotonic() + 240
        for line in story.stdout:
            output.append(line)
            if line.startswith("MAIL "):
                _, recipient, words = line.split(maxsplit=2)
                message = _wait_for_mail(mail, recipient, words.strip())
                link = next(
                    found for found in _LINK.findall(_text_of(message)) if words.strip() in found
                )
                story.stdin.write(link + "\n")
                story.stdin.flush()
            if time.monotonic() > deadline:
                story.kill()
                break
        story.wait(timeout=30)
        story.stdin.close()
        story.stdout.close()
    log = "".join(output)
    (tmp_path / "story.log").write_text(log, "utf-8")  # the axe summary, for a reader
    assert story.returncode == 0, f"{log}\n(screenshots in {tmp_path / 'artifacts'})"
    assert "STORY OK" in log


HOSTED = CLIENT / "e2e" / "hosted.mjs"


def _acme(tf: Any) -> FastAPI:
    """A host app with its own login (a session cookie), taskflow in identity mode under
    /api and the client at /app/ with the host's login and logout pages."""

    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key="acme-test-secret-0123456789")

    @app.get("/login", response_class=HTMLResponse)
    def login_page(next: str = "/") -> str:
        return (
            '<form method="post" action="/login"><input type="hidden" name="next" '
            f'value="{next}"><button>Log in to Acme</button></form>'
        )

    @app.post("/login")
    async def login(request: Request) -> RedirectResponse:
        form = parse_qs((await request.body()).decode())
        request.session["user_id"] = 1
        target = form.get("next", ["/"])[0]
        return RedirectResponse(target if target.startswith("/") else "/", status_code=303)

    @app.get("/logout")
    def logout(request: Request) -> RedirectResponse:
        request.session.clear()
        return RedirectResponse("/logged-out", status_code=303)

    @app.get("/logged-out", response_class=HTMLResponse)
    def logged_out() -> str:
        return "<p>Bye</p>"

    config = WebConfig(rate_limit=None, auth_rate_limit=None)
    mount_taskflow(
        app, tf, config, prefix="/api", identity=lambda request: request.session.get("user_id")
    )
    mount_client(app, tf, root="/app/", api_prefix="/api", login_url="/login", logout_url="/logout")
    return app


@contextmanager
def _acme_serving(tf: Any) -> Iterator[str]:
    """The host app of ``_acme`` served by uvicorn in a thread: its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(_acme(tf), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the host app did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _node(*args: str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node is not None
    return subprocess.run(
        [node, *args], cwd=CLIENT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.usefixtures("browser_ready")
def test_identity_mode_uses_the_host_s_login_in_the_browser(tmp_path: Path) -> None:
    users = InMemoryUserDirectory()
    users.add(1, email="alice@acme.example", name="Alice", language="en")
    tf = make_test_taskflow(directory=users)
    with tf, _acme_serving(tf) as base:
        run = _node(str(HOSTED), base, str(tmp_path / "artifacts"))
    log = run.stdout + run.stderr
    assert run.returncode == 0, f"{log}\n(screenshot in {tmp_path / 'artifacts'})"
    assert "HOSTED OK" in log
    [team] = tf.teams.list_mine(tf.identities.user_id_for(1))
    assert team.name == "Ops"


PUSH = CLIENT / "e2e" / "push.mjs"


@pytest.mark.usefixtures("browser_ready")
def test_the_client_subscribes_this_device_to_web_push(tmp_path: Path) -> None:
    """The subscribe flow in Chromium (PushManager stubbed with a subscription made here),
    then a push for that subscription, decrypted by the push-service stand-in."""
    users = InMemoryUserDirectory()
    users.add(1, email="alice@acme.example", name="Alice", language="en")
    users.add(2, email="bob@acme.example", name="Bob", language="en")
    sender = WebPushSender(private_key=new_vapid_private_key(), subject="mailto:ops@acme.example")
    tf = make_test_taskflow(
        directory=users,
        push=sender,
        notification_config=NotificationConfig(push_hosts=("127.0.0.1",)),
    )
    with (
        running_push_service(vapid_public_key=sender.public_key) as service,
        tf,
        _acme_serving(tf) as base,
    ):
        device = service.device("alice-laptop")
        run = _node(
            str(PUSH), base, json.dumps(device.subscription_json()), str(tmp_path / "artifacts")
        )
        log = run.stdout + run.stderr
        assert run.returncode == 0, f"{log}\n(screenshot in {tmp_path / 'artifacts'})"
        assert f"KEY {sender.public_key}" in log  # subscribed with the server's key
        alice, bob = tf.identities.user_id_for(1), tf.identities.user_id_for(2)
        [stored] = tf.notifications.push_subscriptions(alice)
        assert stored.endpoint == device.endpoint
        team = tf.teams.create(bob, name="Ops")
        tf.invites.create(bob, team.id, email="alice@acme.example")
        [invited] = [e for e in tf.publisher.events if e.name == "invite.created"]
        tf.invites.accept(alice, token=one_time_token(tf, invited))
        tf.tasks.create(bob, team.id, title="Water the ficus", assignee_id=alice)
        drain(tf)
        assert any("Water the ficus" in text for text in service.texts("alice-laptop"))
        assert service.rejected == []
