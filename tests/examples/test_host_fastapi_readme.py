"""examples/host_fastapi runs as its README says: the README's commands (both
migrations, ``python -m acme add-user``) in a fresh copy of the folder, then the
production app it starts (``acme.main:create_production_app``, with taskflow's worker in
its lifespan) serves Alice: she logs in with the password the README gave, creates a
team and invites Bob, and the worker writes Bob's invite mail (no ``SMTP_HOST``: an
``.eml`` file), in Persian, linking to Acme's own page. On SQLite, the README's database."""

from __future__ import annotations

from pathlib import Path

import pytest
from host_readmes import run_readme, user_emails, wait_for_mail

pytestmark = [pytest.mark.sqlite, pytest.mark.slow]


def test_the_fastapi_host_runs_as_its_readme_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient  # noqa: PLC0415

    folder = run_readme("host_fastapi", tmp_path, monkeypatch)
    assert user_emails(folder, "acme.sqlite3") == ["alice@example.com", "bob@example.com"]

    monkeypatch.setenv("ACME_TASKFLOW_WORKER", "inline")
    from acme.main import create_production_app  # noqa: PLC0415

    with TestClient(create_production_app()) as alice:  # its lifespan: the worker runs
        login = {"email": "alice@example.com", "password": "a long passphrase"}
        assert alice.post("/login", data=login, follow_redirects=False).status_code == 303
        team = alice.post("/api/teams", json={"name": "Launch"})
        assert team.status_code == 201, team.text
        invite = {"team_id": team.json()["id"], "email": "bob@example.com"}
        assert alice.post("/api/auth/invite", json=invite).status_code == 201
        mail = wait_for_mail(folder, "bob@example.com")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "http://127.0.0.1:8000/invites/accept?token=" in text
    assert mail["Subject"] == "به تیم Launch دعوت شدید"
