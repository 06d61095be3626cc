"""examples/host_flask runs as its README says: the README's commands (both
migrations, ``flask add-user``) in a fresh copy of the folder, then the production app
it starts (``greenhouse.wsgi:create_production_app()``, with taskflow's worker in its
process) serves Alice: she logs in with the password the README gave, creates a team and
invites Bob, and the worker writes Bob's invite mail (no ``SMTP_HOST``: an ``.eml``
file), in Persian, linking to Greenhouse's own page. On SQLite, the README's database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from host_readmes import run_readme, user_emails, wait_for_mail

pytestmark = [pytest.mark.sqlite, pytest.mark.slow]


def test_the_flask_host_runs_as_its_readme_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = run_readme("host_flask", tmp_path, monkeypatch)
    assert user_emails(folder, "greenhouse.sqlite3") == ["alice@example.com", "bob@example.com"]

    monkeypatch.setenv("GREENHOUSE_TASKFLOW_WORKER", "inline")
    stops: list[Callable[[], object]] = []  # what the app registers to run at exit
    monkeypatch.setattr(
        "atexit.register", lambda call, *a, **k: stops.append(lambda: call(*a, **k))
    )
    from greenhouse.wsgi import create_production_app  # noqa: PLC0415

    try:
        alice = create_production_app().test_client()
        login = {"username": "alice", "password": "a long passphrase"}
        assert alice.post("/login", data=login).status_code == 303
        team = alice.post("/api/teams", json={"name": "Seedlings"})
        assert team.status_code == 201, team.text
        invite = {"team_id": team.get_json()["id"], "email": "bob@example.com"}
        assert alice.post("/api/auth/invite", json=invite).status_code == 201
        mail = wait_for_mail(folder, "bob@example.com")
    finally:
        for stop in reversed(stops):  # as atexit would: the worker first
            stop()
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "http://127.0.0.1:5000/invites/accept?token=" in text
    assert mail["Subject"] == "به تیم Seedlings دعوت شدید"
