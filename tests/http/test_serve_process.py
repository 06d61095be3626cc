"""``taskflow serve`` as a real process on a free port, driven over HTTP: the README's
main command, with no set-up but a temporary data folder (SQLite, migrations on start,
the worker thread, mail as .eml files)."""

from __future__ import annotations

import email
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

pytestmark = [pytest.mark.sqlite, pytest.mark.slow]

PASSWORD = "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["fastapi", "flask"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A running ``taskflow serve --app <kind>``; yields (base URL, mail folder)."""
    with _serving(request.param, tmp_path) as base:
        yield base, tmp_path / "data" / "mail"


@contextmanager
def _serving(kind: str, tmp_path: Path, settings: dict[str, str] | None = None) -> Iterator[str]:
    """A running ``taskflow serve --app <kind>`` with ``settings`` in its environment;
    yields its base URL."""
    port = _free_port()
    data_dir = tmp_path / "data"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TASKFLOW_", "DATABASE_", "REDIS_", "SMTP_", "JWT_", "REFRESH_"))
    }
    env.update({"TASKFLOW_DATA_DIR": str(data_dir), "TASKFLOW_ARGON2_MEMORY_KIB": "1024"})
    env.update(settings or {})
    command = [sys.executable, "-m", "taskflow", "serve", "--app", kind, "--port", str(port)]
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, process, tmp_path / "server.log")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    assert process.returncode in {0, -15}, (tmp_path / "server.log").read_text()


def _wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"taskflow serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)  # polling a real process: there is no clock to fake
    pytest.fail(f"taskflow serve did not become ready: {log.read_text()}")


def _wait_for_mail(folder: Path, recipient: str, containing: str) -> email.message.EmailMessage:
    """The first mail to ``recipient`` whose subject or text contains ``containing``."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
            message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
            assert isinstance(message, email.message.EmailMessage)
            text = str(message["Subject"]) + _text_of(message)
            if recipient in str(message["To"]) and containing in text:
                return message
        time.sleep(0.2)
    found = [p.name for p in folder.glob("*.eml")] if folder.exists() else []
    pytest.fail(f"no mail to {recipient} containing {containing!r} in {found}")


def _text_of(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    assert part is not None
    return str(part.get_content())


def test_serve_runs_the_whole_story_over_http(served):
    base, mail = served
    with httpx.Client(base_url=base, timeout=10) as http:
        assert http.get("/health").json() == {"status": "ok"}
        for name, address in (("Alice", "alice@example.com"), ("Bob", "bob@example.com")):
            signed_up = http.post(
                "/auth/signup", json={"email": address, "password": PASSWORD, "name": name}
            )
            assert signed_up.status_code == 201, signed_up.text
        login = http.post("/auth/login", json={"email": "alice@example.com", "password": PASSWORD})
        assert login.status_code == 200
        alice = {"Authorization": f"Bearer {login.json()['token']}"}
        bob_login = http.post(
            "/auth/login", json={"email": "bob@example.com", "password": PASSWORD}
        )
        bob = {"Authorization": f"Bearer {bob_login.json()['token']}"}

        team = http.post("/teams", json={"name": "تیم من"}, headers=alice).json()
        invite = http.post(
            "/auth/invite",
            json={"team_id": team["id"], "email": "bob@example.com", "role": "member"},
            headers=alice,
        )
        assert invite.status_code == 201, invite.text

        # TASKFLOW_APP_URL unset: the links open the address the server serves.
        invite_mail = _wait_for_mail(mail, "bob@example.com", f"{base}/invites/accept?token=")
        links = re.findall(r"token=([A-Za-z0-9%_\-.~]+)", _text_of(invite_mail))
        assert links, _text_of(invite_mail)
        accepted = http.post("/auth/invite/accept", json={"token": unquote(links[0])}, headers=bob)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["role"] == "member"

        created = http.post(
            f"/teams/{team['id']}/tasks",
            json={
                "title": "طراحی صفحه اصلی",
                "priority": "high",
                "assignee_id": bob_login.json()["user"]["id"],
            },
            headers=alice,
        )
        assert created.status_code == 201, created.text
        assert created.json()["assignee"]["name"] == "Bob"
        completed = http.post(f"/tasks/{created.json()['id']}/complete", headers=bob)
        assert completed.status_code == 200
        assert completed.json()["status"] == "done"

        listed = http.get(f"/teams/{team['id']}/tasks", headers=alice).json()
        assert [task["status"] for task in listed["items"]] == ["done"]
    assignment_mail = _wait_for_mail(mail, "bob@example.com", "طراحی صفحه اصلی")
    assert f"{base}/tasks/{created.json()['id']}" in _text_of(assignment_mail)


@pytest.mark.parametrize("kind", ["fastapi", "flask"])
def test_behind_a_trusted_proxy_each_client_counts_alone_and_https_is_seen(
    kind: str, tmp_path: Path
) -> None:
    """The real servers pass the forwarded headers to taskflow (issue 12, point 4:
    waitress deleted them, so every client behind the proxy shared one rate-limit bucket
    and HSTS was never sent). Here the proxy appends its own header lines."""
    settings = {"TASKFLOW_TRUSTED_PROXIES": "127.0.0.1/32", "TASKFLOW_RATE_LIMIT": "2/minute"}
    with _serving(kind, tmp_path, settings) as base, httpx.Client(base_url=base) as http:
        statuses = [
            http.get(
                "/teams",
                headers=[
                    ("X-Forwarded-For", "203.0.113.250"),  # what the client claims
                    ("X-Forwarded-For", f"198.51.100.{n}"),  # what our proxy saw
                    ("X-Forwarded-Proto", "http"),
                    ("X-Forwarded-Proto", "https"),
                ],
            )
            for n in range(4)
        ]
        assert [r.status_code for r in statuses] == [401, 401, 401, 401]  # four clients
        assert all("max-age=" in r.headers["strict-transport-security"] for r in statuses)
        one_client = [
            http.get("/teams", headers={"X-Forwarded-For": "198.51.100.77"}).status_code
            for _ in range(3)
        ]
        assert one_client == [401, 401, 429]
