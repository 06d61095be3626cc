"""/notifications: the inbox (list, unread count, read, read-all, archive) and the
preferences. Events are handed to ``tf.notifications.handle_event`` as the worker does."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def deliver(tf, events):
    """Run the worker's in-app step over every event published so far."""

    def run():
        for event in events.events:
            tf.notifications.handle_event(event)

    return run


def test_an_assignment_reaches_the_assignees_inbox(api, alice, member_bob, team, deliver):
    api.post(
        f"/teams/{team['id']}/tasks",
        {"title": "Review", "assignee_id": member_bob.id},
        token=alice.token,
    )
    deliver()
    assert api.get("/notifications/unread-count", token=member_bob.token).json() == {"unread": 1}
    listed = api.get("/notifications", token=member_bob.token)
    assert listed.status == 200
    [item] = [n for n in listed.json()["items"] if n["type"] == "task.assigned"]
    assert item["read_at"] is None
    read = api.post(f"/notifications/{item['id']}/read", token=member_bob.token)
    assert read.status == 200
    assert read.json()["read_at"] is not None
    assert api.get("/notifications/unread-count", token=member_bob.token).json() == {"unread": 0}
    unread_only = api.get("/notifications?unread_only=true", token=member_bob.token).json()
    assert item["id"] not in [n["id"] for n in unread_only["items"]]


def test_read_all_and_archive(api, alice, member_bob, team, deliver):
    for title in ("One", "Two"):
        api.post(
            f"/teams/{team['id']}/tasks",
            {"title": title, "assignee_id": member_bob.id},
            token=alice.token,
        )
    deliver()
    marked = api.post("/notifications/read-all", token=member_bob.token)
    assert marked.status == 200
    assert marked.json()["marked_read"] >= 2
    first = api.get("/notifications", token=member_bob.token).json()["items"][0]
    assert api.post(f"/notifications/{first['id']}/archive", token=member_bob.token).status == 204
    remaining = api.get("/notifications", token=member_bob.token).json()["items"]
    assert first["id"] not in [n["id"] for n in remaining]


def test_someone_elses_or_unknown_notification_is_404(api, alice, member_bob, team, deliver):
    api.post(
        f"/teams/{team['id']}/tasks",
        {"title": "x", "assignee_id": member_bob.id},
        token=alice.token,
    )
    deliver()
    bobs = api.get("/notifications", token=member_bob.token).json()["items"][0]
    theirs = api.post(f"/notifications/{bobs['id']}/read", token=alice.token)
    assert theirs.status == 404
    assert theirs.error_code == "notification_not_found"
    assert api.post(f"/notifications/{uuid.uuid4()}/read", token=alice.token).status == 404
    assert api.post("/notifications/nope/read", token=alice.token).status == 400
    assert api.get("/notifications").status == 401


def test_preferences_get_and_put(api, alice):
    defaults = api.get("/notifications/preferences", token=alice.token)
    assert defaults.status == 200
    assert defaults.json()["email"]["task.completed"] is True
    assert defaults.json()["quiet_hours_start"] is None
    updated = api.put(
        "/notifications/preferences",
        {
            "email": {"task.completed": False},
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
            "timezone": "Asia/Tehran",
            "language": "en",
        },
        token=alice.token,
    )
    assert updated.status == 200
    body = updated.json()
    assert body["email"]["task.completed"] is False
    assert body["email"]["task.assigned"] is True
    assert body["quiet_hours_start"].startswith("22:00")
    assert body["timezone"] == "Asia/Tehran"
    assert api.get("/notifications/preferences", token=alice.token).json() == body


def test_preferences_invalid_input_is_400(api, alice):
    for payload in (
        {"timezone": "Mars/Olympus"},
        {"email": {"user.password_reset": False}},
        {"email": {"no.such.type": False}},
        {"quiet_hours_start": "22:00"},
        {"language": "de"},
        {"quiet_hours_start": "25:99", "quiet_hours_end": "07:00"},
    ):
        reply = api.put("/notifications/preferences", payload, token=alice.token)
        assert reply.status == 400, payload
        assert reply.error_code == "invalid_input"


def test_without_push_the_push_routes_say_so(api, alice):
    reply = api.get("/notifications/push/key", token=alice.token)
    assert reply.status == 404
    assert reply.error_code == "push_unavailable"
    subscribing = api.post(
        "/notifications/push/subscriptions",
        {
            "endpoint": "https://fcm.googleapis.com/fcm/send/x",
            "keys": {"p256dh": "B" * 87, "auth": "A" * 22},
        },
        token=alice.token,
    )
    assert subscribing.status == 404
