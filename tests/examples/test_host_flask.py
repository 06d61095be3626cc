"""examples/host_flask: Greenhouse, an existing Flask app (its own users table, login,
session cookie, JSON API, error handlers, Jinja pages, ``flask add-user`` and Alembic
history), with taskflow registered under /api in identity mode.

- Greenhouse's own responses are the same bytes with taskflow registered as without it;
- the whole story works for Greenhouse's users, logged in through its login form: team,
  invite (the mail seen by the test kit), the invite accepted on Greenhouse's page, a
  task assigned, a comment, the in-app notification, the assignment's mail in the
  language Greenhouse's users table gives;
- Greenhouse's Alembic history and taskflow's build the database from empty, side by
  side, and Greenhouse's autogenerate then has nothing to say.

On SQLite and on a PostgreSQL schema of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from host_apps import (
    EXAMPLES,
    TASKFLOW_TABLES,
    autogenerate_diff,
    fixed_session_signatures,
    host_alembic,
    table_names,
    upgrade_both,
)

from greenhouse import create_app
from greenhouse.accounts import add_user
from greenhouse.directory import GreenhouseUserDirectory
from greenhouse.models import Base, Database, Plant, User
from taskflow import TaskFlow
from taskflow.testing import drain, make_test_taskflow

GREENHOUSE = EXAMPLES / "host_flask"
PASSWORD = "a long passphrase"


@pytest.fixture
def greenhouse_db(host_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Greenhouse's database, migrated by its own history, with Alice (en), who keeps a
    plant, and Bob (fa)."""
    command.upgrade(host_alembic(GREENHOUSE, host_database, monkeypatch), "head")
    db = Database(host_database)
    alice = add_user(
        db, username="alice", email="alice@example.com", display_name="Alice", password=PASSWORD
    )
    add_user(
        db,
        username="bob",
        email="bob@example.com",
        display_name="Bob",
        password=PASSWORD,
        locale="fa",
    )
    with db.session() as session:
        session.add(Plant(keeper_id=alice.id, name="Basil", water_every_days=2))
        session.commit()
    yield db
    db.close()


@pytest.fixture
def tf(greenhouse_db: Database, host_database: str) -> Iterator[TaskFlow]:
    """taskflow on Greenhouse's database (its migrations applied), knowing its users."""
    with make_test_taskflow(
        database_url=host_database, directory=GreenhouseUserDirectory(greenhouse_db)
    ) as instance:
        yield instance


def greenhouse(db: Database, tf: TaskFlow | None = None) -> Flask:
    return create_app({"SECRET_KEY": "greenhouse-test-secret-key"}, db, tf)


def log_in(client: FlaskClient, username: str) -> None:
    reply = client.post("/login", data={"username": username, "password": PASSWORD})
    assert reply.status_code == 303, reply.text


# --- (a) Greenhouse's own responses, with and without taskflow --------------------------

HTML = {"Accept": "text/html"}
GREENHOUSE_EXCHANGES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/", {}),
    ("GET", "/login?next=/plants", {}),
    ("GET", "/plants", {}),  # Greenhouse's 401
    ("POST", "/login", {"data": {"username": "alice", "password": "wrong"}}),
    ("POST", "/login", {"data": {"username": "nobody", "password": PASSWORD}}),
    ("POST", "/login", {"data": {"username": "alice", "password": PASSWORD}}),
    ("GET", "/", {}),
    ("GET", "/plants", {}),
    ("GET", "/plants/1", {}),
    ("GET", "/plants/999", {}),  # Greenhouse's 404 body
    ("POST", "/plants", {"json": {"name": "", "water_every_days": 0}}),  # its 422
    ("POST", "/plants", {"data": b"{not json", "content_type": "application/json"}),  # 400
    ("POST", "/plants", {"data": "name=Mint"}),  # 415
    ("GET", "/nowhere", {"headers": HTML}),  # Greenhouse's HTML 404
    ("GET", "/nowhere", {}),
    ("DELETE", "/plants", {}),  # 405
    ("GET", "/api/nowhere", {}),  # under taskflow's prefix, yet nobody's: Greenhouse's 404
    ("POST", "/api/auth/login", {"json": {}}),  # taskflow's own login is off
    ("POST", "/api/auth/signup", {"json": {}}),
    ("POST", "/settings", {"data": {"locale": "en"}}),
    ("POST", "/settings", {"data": {"locale": "de"}}),  # Greenhouse's 422
    ("POST", "/logout", {}),
    ("GET", "/", {}),
]


def exchanges(app: Flask) -> list[tuple[str, str, int, list[tuple[str, str]], bytes]]:
    client = app.test_client()
    replies = []
    for method, path, options in GREENHOUSE_EXCHANGES:
        reply = client.open(path, method=method, **options)
        replies.append((method, path, reply.status_code, reply.headers.to_wsgi_list(), reply.data))
    return replies


def test_greenhouse_answers_the_same_bytes_with_taskflow_registered(
    greenhouse_db: Database, tf: TaskFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed_session_signatures(monkeypatch)
    before = exchanges(greenhouse(greenhouse_db))
    assert [status for _method, _path, status, _headers, _body in before] == [
        200, 200, 401, 401, 401, 303, 200, 200, 200, 404, 422, 400, 415, 404, 404, 405,
        404, 404, 404, 303, 422, 303, 200,
    ]  # fmt: skip

    assert exchanges(greenhouse(greenhouse_db, tf)) == before


# --- (b) the whole story, for Greenhouse's users ----------------------------------------


def test_the_whole_story_for_greenhouse_s_users(greenhouse_db: Database, tf: TaskFlow) -> None:
    app = greenhouse(greenhouse_db, tf)
    alice, bob, stranger = app.test_client(), app.test_client(), app.test_client()
    log_in(alice, "alice")
    log_in(bob, "bob")

    me = alice.get("/api/auth/me").get_json()
    assert (me["name"], me["email"]) == ("Alice", "alice@example.com")  # from its table
    team = alice.post("/api/teams", json={"name": "Seedlings"})
    assert team.status_code == 201, team.text
    team_id = team.get_json()["id"]
    invite = alice.post("/api/auth/invite", json={"team_id": team_id, "email": "bob@example.com"})
    assert invite.status_code == 201, invite.text

    [mail] = drain(tf).mails_to("bob@example.com", type="invite.created")
    [link] = mail.links
    assert link == f"http://localhost:8000/invites/accept?token={mail.token}"
    # Bob follows the link to Greenhouse's page, logged in with its cookie, and joins.
    page = bob.get(link.removeprefix("http://localhost:8000"))
    assert page.status_code == 200
    assert mail.token in page.text
    joined = bob.post("/invites/accept", data={"token": mail.token})
    assert joined.status_code == 303, joined.text
    again = bob.post("/invites/accept", data={"token": mail.token})
    assert again.status_code == 410  # taskflow's error, shown on Greenhouse's page
    assert "<form" in again.text

    members = alice.get(f"/api/teams/{team_id}/members").get_json()["items"]
    [bob_id] = [m["user_id"] for m in members if m["email"] == "bob@example.com"]
    task = alice.post(
        f"/api/teams/{team_id}/tasks", json={"title": "Repot the basil", "assignee_id": bob_id}
    )
    assert task.status_code == 201, task.text
    task_id = task.get_json()["id"]
    comment = bob.post(f"/api/tasks/{task_id}/comments", json={"content": "Bigger pot?"})
    assert comment.status_code == 201, comment.text
    assert bob.post(f"/api/tasks/{task_id}/complete").status_code == 200

    sent = drain(tf)
    [assigned] = sent.mails_to("bob@example.com", type="task.assigned")
    assert assigned.language == "fa"  # Bob's locale in Greenhouse's users table
    assert assigned.subject == "تسک Repot the basil به شما اختصاص داده شد"
    bob_inbox = bob.get("/api/notifications").get_json()["items"]
    assert [n["type"] for n in bob_inbox] == ["task.assigned"]
    alice_inbox = alice.get("/api/notifications").get_json()["items"]
    # Alice made the task: she hears of Bob's comment, then of its completion.
    assert [n["type"] for n in alice_inbox] == ["task.completed", "comment.added"]
    [comment_seen] = alice.get(f"/api/tasks/{task_id}/comments").get_json()["items"]
    assert comment_seen["content"] == "Bigger pot?"

    # Bob switches Greenhouse to English: it tells taskflow (tf.identities.refresh).
    assert bob.post("/settings", data={"locale": "en"}).status_code == 303
    alice.post(f"/api/teams/{team_id}/tasks", json={"title": "Prune", "assignee_id": bob_id})
    [english] = drain(tf).mails_to("bob@example.com", type="task.assigned")
    assert (english.language, english.subject) == ("en", "Task Prune was assigned to you")

    # Nobody logged in: taskflow's 401; after Greenhouse's logout, too.
    refused = stranger.get("/api/teams")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthenticated"
    alice.post("/logout")
    assert alice.get("/api/teams").status_code == 401


def test_flask_add_user_makes_a_user_who_logs_in(greenhouse_db: Database, tf: TaskFlow) -> None:
    app = greenhouse(greenhouse_db, tf)
    result = app.test_cli_runner().invoke(
        args=["add-user", "carol", "carol@example.com", "Carol", "--locale", "fa"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "added user 3: carol" in result.output
    client = app.test_client()
    log_in(client, "carol")
    assert client.get("/api/auth/me").get_json()["name"] == "Carol"
    with greenhouse_db.session() as session:
        carol = session.get(User, 3)
        assert carol is not None
        assert carol.password_hash.startswith("scrypt:")  # werkzeug's KDF


# --- (c) Greenhouse's Alembic history beside taskflow's ---------------------------------


def test_greenhouse_s_history_and_taskflow_s_build_the_database_side_by_side(
    host_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = host_alembic(GREENHOUSE, host_database, monkeypatch)
    upgrade_both(config, tmp_path, monkeypatch)  # the README's deployment, from empty
    assert {"users", "plants", "alembic_version", *TASKFLOW_TABLES} <= table_names(host_database)

    command.check(config)  # `alembic check`: autogenerate finds nothing to do
    assert autogenerate_diff(host_database, Base.metadata, filtered=True) == []
    unfiltered = autogenerate_diff(host_database, Base.metadata, filtered=False)
    dropped = {d[1].name for d in unfiltered if isinstance(d, tuple) and d[0] == "remove_table"}
    assert TASKFLOW_TABLES - {"taskflow_alembic_version"} <= dropped

    command.downgrade(config, "base")  # Greenhouse's history undone: taskflow's stays
    assert table_names(host_database) >= TASKFLOW_TABLES
    assert not {"users", "plants"} & table_names(host_database)
