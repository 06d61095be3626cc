"""examples/host_fastapi: Acme, an existing FastAPI app (its own users table, login,
session cookie, JSON API, error handlers, HTML pages and Alembic history), with taskflow
mounted under /api in identity mode.

- Acme's own responses are the same bytes with taskflow mounted as without it;
- the whole story works for Acme's users, logged in through Acme's login form: team,
  invite (the mail seen by the test kit), the invite accepted on Acme's page, a task
  assigned, a comment, the in-app notification, the assignment's mail in the language
  Acme's users table gives;
- Acme's Alembic history and taskflow's build the database from empty, side by side, and
  Acme's autogenerate then has nothing to say.

On SQLite and on a PostgreSQL schema of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from host_apps import (
    EXAMPLES,
    TASKFLOW_TABLES,
    autogenerate_diff,
    fixed_session_signatures,
    host_alembic,
    table_names,
    upgrade_both,
)

from acme.accounts import add_user
from acme.app import create_app
from acme.config import AcmeConfig
from acme.directory import AcmeUserDirectory
from acme.models import Base, Database, Project
from taskflow import TaskFlow
from taskflow.testing import drain, make_test_taskflow

ACME = EXAMPLES / "host_fastapi"
PASSWORD = "a long passphrase"


@pytest.fixture
def acme_db(host_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Acme's database, migrated by its own history, with Alice (en), who has a project,
    and Bob (fa)."""
    command.upgrade(host_alembic(ACME, host_database, monkeypatch), "head")
    db = Database(host_database)
    alice = add_user(db, email="alice@example.com", name="Alice", password=PASSWORD)
    add_user(db, email="bob@example.com", name="Bob", password=PASSWORD, language="fa")
    with db.session() as session:
        session.add(Project(owner_id=alice.id, name="Roadmap"))
        session.commit()
    yield db
    db.close()


@pytest.fixture
def tf(acme_db: Database, host_database: str) -> Iterator[TaskFlow]:
    """taskflow on Acme's database (its migrations applied), knowing Acme's users."""
    with make_test_taskflow(
        database_url=host_database, directory=AcmeUserDirectory(acme_db)
    ) as instance:
        yield instance


def acme(db: Database, tf: TaskFlow | None = None) -> FastAPI:
    config = AcmeConfig(database_url=str(db.engine.url), secret_key="acme-test-secret-key")
    return create_app(config, db, tf)


def log_in(client: TestClient, email: str) -> None:
    reply = client.post(
        "/login", data={"email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert reply.status_code == 303, reply.text


# --- (a) Acme's own responses, with and without taskflow --------------------------------

HTML = {"accept": "text/html"}
ACME_EXCHANGES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/", {}),
    ("GET", "/login?next=/projects", {}),
    ("GET", "/projects", {}),  # Acme's 401
    ("POST", "/login", {"data": {"email": "alice@example.com", "password": "wrong"}}),
    ("POST", "/login", {"data": {"email": "nobody@example.com", "password": PASSWORD}}),
    ("POST", "/login", {"data": {"email": "alice@example.com", "password": PASSWORD}}),
    ("GET", "/", {}),
    ("GET", "/projects", {}),
    ("GET", "/projects/1", {}),
    ("GET", "/projects/999", {}),  # Acme's 404
    ("GET", "/projects/one", {}),  # Acme's 422
    ("POST", "/projects", {"json": {"name": ""}}),
    (
        "POST",
        "/projects",
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
    ),
    ("GET", "/nowhere", {"headers": HTML}),  # Acme's HTML 404
    ("GET", "/nowhere", {}),
    ("GET", "/api/nowhere", {}),  # under taskflow's prefix, yet nobody's: Acme's 404
    ("POST", "/api/auth/login", {"json": {}}),  # taskflow's own login is off: Acme's 404
    ("POST", "/api/auth/signup", {"json": {}}),
    ("POST", "/profile", {"data": {"language": "en"}}),
    ("POST", "/profile", {"data": {"language": "de"}}),  # Acme's 422
    ("POST", "/logout", {}),
    ("GET", "/", {}),
]


def exchanges(app: FastAPI) -> list[tuple[str, str, int, list[tuple[str, str]], bytes]]:
    client = TestClient(app)
    replies = []
    for method, path, options in ACME_EXCHANGES:
        reply = client.request(method, path, follow_redirects=False, **options)
        replies.append(
            (method, path, reply.status_code, reply.headers.multi_items(), reply.content)
        )
    return replies


def test_acme_answers_the_same_bytes_with_taskflow_mounted(
    acme_db: Database, tf: TaskFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed_session_signatures(monkeypatch)
    before, after = acme(acme_db), acme(acme_db, tf)
    replies = exchanges(before)
    assert [status for _method, _path, status, _headers, _body in replies] == [
        200, 200, 401, 401, 401, 303, 200, 200, 200, 404, 422, 422, 422, 404, 404, 404,
        404, 404, 303, 422, 303, 200,
    ]  # fmt: skip

    assert exchanges(after) == replies

    # Acme's OpenAPI document keeps every operation of its own, unchanged; taskflow's
    # join it under /api.
    ours, joined = before.openapi(), after.openapi()
    assert {path: joined["paths"][path] for path in ours["paths"]} == ours["paths"]
    assert "/api/teams" in joined["paths"]
    assert "/api/auth/login" not in joined["paths"]  # identity mode: Acme's login only


# --- (b) the whole story, for Acme's users ----------------------------------------------


def test_the_whole_story_for_acme_s_users(acme_db: Database, tf: TaskFlow) -> None:
    app = acme(acme_db, tf)
    alice, bob, stranger = TestClient(app), TestClient(app), TestClient(app)
    log_in(alice, "alice@example.com")
    log_in(bob, "bob@example.com")

    me = alice.get("/api/auth/me").json()
    assert (me["name"], me["email"]) == ("Alice", "alice@example.com")  # from Acme's table
    team = alice.post("/api/teams", json={"name": "Launch"})
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]
    invite = alice.post("/api/auth/invite", json={"team_id": team_id, "email": "bob@example.com"})
    assert invite.status_code == 201, invite.text

    [mail] = drain(tf).mails_to("bob@example.com", type="invite.created")
    [link] = mail.links
    assert link == f"http://localhost:8000/invites/accept?token={mail.token}"
    # Bob follows the link to Acme's page, logged in with Acme's cookie, and joins.
    page = bob.get(link.removeprefix("http://localhost:8000"))
    assert page.status_code == 200
    assert mail.token in page.text
    joined = bob.post("/invites/accept", data={"token": mail.token}, follow_redirects=False)
    assert joined.status_code == 303, joined.text
    again = bob.post("/invites/accept", data={"token": mail.token})
    assert again.status_code == 410  # taskflow's error, shown on Acme's page
    assert "<form" in again.text

    members = alice.get(f"/api/teams/{team_id}/members").json()["items"]
    [bob_id] = [m["user_id"] for m in members if m["email"] == "bob@example.com"]
    task = alice.post(
        f"/api/teams/{team_id}/tasks",
        json={"title": "Write the launch post", "assignee_id": bob_id},
    )
    assert task.status_code == 201, task.text
    task_id = task.json()["id"]
    comment = bob.post(f"/api/tasks/{task_id}/comments", json={"content": "Draft by Friday"})
    assert comment.status_code == 201, comment.text
    assert bob.post(f"/api/tasks/{task_id}/complete").status_code == 200

    sent = drain(tf)
    [assigned] = sent.mails_to("bob@example.com", type="task.assigned")
    assert assigned.language == "fa"  # Bob's language in Acme's users table
    assert assigned.subject == "تسک Write the launch post به شما اختصاص داده شد"
    assert [n["type"] for n in bob.get("/api/notifications").json()["items"]] == ["task.assigned"]
    # Alice made the task: she hears of Bob's comment, then of its completion.
    assert [n["type"] for n in alice.get("/api/notifications").json()["items"]] == [
        "task.completed",
        "comment.added",
    ]
    [comment_seen] = alice.get(f"/api/tasks/{task_id}/comments").json()["items"]
    assert comment_seen["content"] == "Draft by Friday"

    # Bob switches Acme to English: Acme tells taskflow (tf.identities.refresh).
    assert bob.post("/profile", data={"language": "en"}).status_code == 200
    alice.post(f"/api/teams/{team_id}/tasks", json={"title": "Proofread", "assignee_id": bob_id})
    [english] = drain(tf).mails_to("bob@example.com", type="task.assigned")
    assert (english.language, english.subject) == ("en", "Task Proofread was assigned to you")

    # Nobody logged in: taskflow's 401; after Acme's logout, too.
    refused = stranger.get("/api/teams")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    alice.post("/logout")
    assert alice.get("/api/teams").status_code == 401


# --- (c) Acme's Alembic history beside taskflow's ---------------------------------------


def test_acme_s_history_and_taskflow_s_build_the_database_side_by_side(
    host_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = host_alembic(ACME, host_database, monkeypatch)
    upgrade_both(config, tmp_path, monkeypatch)  # the README's deployment, from empty
    assert {"users", "projects", "alembic_version", *TASKFLOW_TABLES} <= table_names(host_database)

    command.check(config)  # `alembic check`: autogenerate finds nothing to do
    assert autogenerate_diff(host_database, Base.metadata, filtered=True) == []
    # What the filter in Acme's env.py keeps out: taskflow's tables, all to be dropped.
    unfiltered = autogenerate_diff(host_database, Base.metadata, filtered=False)
    dropped = {d[1].name for d in unfiltered if isinstance(d, tuple) and d[0] == "remove_table"}
    assert TASKFLOW_TABLES - {"taskflow_alembic_version"} <= dropped

    command.downgrade(config, "base")  # Acme's history undone: taskflow's tables stay
    assert table_names(host_database) >= TASKFLOW_TABLES
    assert not {"users", "projects"} & table_names(host_database)
