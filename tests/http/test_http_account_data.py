"""POST /auth/me/export (a data export, mailed by the worker, rate-limited) and comments
that reach people (the task's creator and assignee, and ``@[user:<uuid>]`` mentions),
on both servers."""

from __future__ import annotations

import asyncio
import json

import pytest


@pytest.fixture
def work(tf, events):
    """What the worker does: handle every event published so far (once), then send the
    mails that are due."""
    handled = set()

    def run():
        for event in events.events:
            if event.id not in handled:
                tf.notifications.handle_event(event)
                handled.add(event.id)
        asyncio.run(tf.notifications.deliver_due())

    return run


def test_an_export_is_accepted_then_mailed_with_the_data_attached(  # noqa: PLR0917
    api, alice, team, task, clock, mailer, work
):
    reply = api.post("/auth/me/export", token=alice.token)
    assert reply.status == 202
    body = reply.json()
    assert body["requested_at"].startswith(clock.now().date().isoformat())
    assert body["next_request_at"].startswith("2024-02-02")
    work()
    [message] = [m for m in mailer.messages if list(m.iter_attachments())]
    assert message["To"] == alice.email
    [attachment] = list(message.iter_attachments())
    document = json.loads(attachment.get_content())
    assert document["profile"]["email"] == alice.email
    assert [m["team_id"] for m in document["memberships"]] == [team["id"]]
    assert [t["id"] for t in document["tasks"]] == [task["id"]]


def test_a_second_export_within_the_interval_is_429_with_retry_after(api, alice, bob, clock):
    assert api.post("/auth/me/export", token=alice.token).status == 202
    clock.advance(minutes=10)  # the access token lives 15 minutes
    again = api.post("/auth/me/export", token=alice.token)
    assert again.status == 429
    assert again.error_code == "data_export_too_soon"
    wait = 24 * 3600 - 600
    assert again.json()["error"]["retry_after"] == wait
    assert again.headers["retry-after"] == str(wait)
    assert api.post("/auth/me/export", token=bob.token).status == 202  # per user


def test_an_export_needs_a_login(api):
    reply = api.post("/auth/me/export")
    assert reply.status == 401


def test_a_comment_reaches_the_assignee_and_a_mention_the_mentioned(  # noqa: PLR0917
    api, alice, member_bob, signup, join, team, work
):
    carol = signup(name="Carol")
    join(team["id"], alice, carol)
    created = api.post(
        f"/teams/{team['id']}/tasks",
        {"title": "Review", "assignee_id": member_bob.id},
        token=alice.token,
    ).json()
    for account in (member_bob, carol):
        api.put("/notifications/preferences", {"language": "en"}, token=account.token)
    work()
    content = f"@[user:{carol.id}] please help @[user:{member_bob.id}]"
    reply = api.post(f"/tasks/{created['id']}/comments", {"content": content}, token=alice.token)
    assert reply.status == 201
    assert reply.json()["content"] == content  # stored as given: the client renders tokens
    work()

    def inbox(account):
        items = api.get("/notifications", token=account.token).json()["items"]
        return [(n["type"], n["text"]) for n in items if n["type"].startswith("comment.")]

    assert inbox(carol) == [("comment.mentioned", "Alice mentioned you on task Review")]
    assert inbox(member_bob) == [("comment.mentioned", "Alice mentioned you on task Review")]
    assert inbox(alice) == []
    preferences = api.get("/notifications/preferences", token=carol.token).json()
    assert preferences["email"]["comment.mentioned"] is True
    assert preferences["email"]["comment.added"] is True


def test_comment_mails_follow_the_per_type_preferences(  # noqa: PLR0917
    api, alice, member_bob, team, mailer, work
):
    turned_off = api.put(
        "/notifications/preferences", {"email": {"comment.added": False}}, token=member_bob.token
    )
    assert turned_off.status == 200
    assert turned_off.json()["email"]["comment.added"] is False
    created = api.post(
        f"/teams/{team['id']}/tasks",
        {"title": "Review", "assignee_id": member_bob.id},
        token=alice.token,
    ).json()
    work()
    before = len(mailer.messages)
    api.post(f"/tasks/{created['id']}/comments", {"content": "Any news?"}, token=alice.token)
    work()
    assert len(mailer.messages) == before  # no mail...
    items = api.get("/notifications", token=member_bob.token).json()["items"]
    assert [n["type"] for n in items].count("comment.added") == 1  # ... but in the inbox


def test_the_export_mail_cannot_be_turned_off(api, alice):
    reply = api.put(
        "/notifications/preferences", {"email": {"user.data_export": False}}, token=alice.token
    )
    assert reply.status == 400
    assert reply.error_code == "invalid_input"
