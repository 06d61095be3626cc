"""/notifications/push/*: the VAPID key, subscribing and unsubscribing devices, and the
push preferences, on FastAPI and Flask; then a task assigned over HTTP reaches the
subscribed device through the push service stand-in (VAPID checked, payload
decrypted). The web client's subscribe flow and its service worker are the client's
part (not here)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from push_service import running_push_service, with_push
from taskflow.adapters.webpush import WebPushSender
from taskflow.events import TASK_ASSIGNED
from taskflow.notifications import NotificationConfig
from taskflow.settings import new_vapid_private_key


@pytest.fixture
def sender():
    return WebPushSender(private_key=new_vapid_private_key(), subject="mailto:ops@example.com")


@pytest.fixture
def service(sender):
    with running_push_service(vapid_public_key=sender.public_key) as stand_in:
        yield stand_in
    assert stand_in.rejected == []


@pytest.fixture
def tf(tf, sender):
    """The suite's in-memory ``tf``, with Web Push to loopback push services."""
    return with_push(tf, sender, NotificationConfig(push_hosts=("127.0.0.1",)))


def test_the_public_key_is_served_to_signed_in_users(api, alice, sender):
    reply = api.get("/notifications/push/key", token=alice.token)
    assert reply.status == 200
    assert reply.json() == {"public_key": sender.public_key}
    assert api.get("/notifications/push/key").status == 401


def test_devices_are_subscribed_listed_and_unsubscribed(api, alice, bob, service):
    phone, laptop = service.device("phone"), service.device("laptop")
    created = api.post(
        "/notifications/push/subscriptions", phone.subscription_json(), token=alice.token
    )
    assert created.status == 201, created.content
    assert created.json()["endpoint"] == phone.endpoint
    assert set(created.json()) == {"id", "endpoint", "created_at"}  # never the keys
    api.post("/notifications/push/subscriptions", laptop.subscription_json(), token=alice.token)
    listed = api.get("/notifications/push/subscriptions", token=alice.token)
    assert [s["endpoint"] for s in listed.json()["items"]] == [phone.endpoint, laptop.endpoint]

    path = f"/notifications/push/subscriptions/{created.json()['id']}"
    theirs = api.delete(path, token=bob.token)
    assert theirs.status == 404
    assert theirs.error_code == "push_subscription_not_found"
    assert api.delete(path, token=alice.token).status == 204
    assert api.delete(path, token=alice.token).status == 404
    assert api.delete("/notifications/push/subscriptions/nope", token=alice.token).status == 400
    gone = api.post(
        "/notifications/push/unsubscribe", {"endpoint": laptop.endpoint}, token=alice.token
    )
    assert gone.status == 204
    again = api.post(
        "/notifications/push/unsubscribe", {"endpoint": laptop.endpoint}, token=alice.token
    )
    assert again.status == 204  # idempotent
    assert api.get("/notifications/push/subscriptions", token=alice.token).json() == {"items": []}


def test_a_bad_subscription_is_400(api, alice, service):
    good = service.device("phone").subscription_json()
    for body in (
        {**good, "endpoint": "https://attacker.example/collect"},
        {**good, "keys": {"p256dh": "short", "auth": good["keys"]["auth"]}},
        {**good, "keys": {"p256dh": good["keys"]["p256dh"]}},
        {**good, "extra": 1},
        {"keys": good["keys"]},
    ):
        reply = api.post("/notifications/push/subscriptions", body, token=alice.token)
        assert reply.status == 400, body
        assert reply.error_code == "invalid_input"
    assert api.post("/notifications/push/subscriptions", good).status == 401


def test_push_is_turned_off_per_type_in_the_preferences(api, alice):
    defaults = api.get("/notifications/preferences", token=alice.token).json()
    assert defaults["push"] == {
        "task.assigned": True,
        "task.completed": True,
        "task.due_soon": True,
        "invite.created": True,
        "comment.added": True,
        "comment.mentioned": True,
    }
    updated = api.put(
        "/notifications/preferences", {"push": {"task.due_soon": False}}, token=alice.token
    )
    assert updated.status == 200
    assert updated.json()["push"]["task.due_soon"] is False
    assert updated.json()["email"]["task.due_soon"] is True  # mail is separate
    refused = api.put(
        "/notifications/preferences", {"push": {"user.welcome": False}}, token=alice.token
    )
    assert refused.status == 400


def test_a_task_assigned_over_http_reaches_the_subscribed_device(  # noqa: PLR0917
    api, tf, alice, member_bob, team, events, service
):
    phone = service.device("bobs-phone")
    api.post("/notifications/push/subscriptions", phone.subscription_json(), token=member_bob.token)
    api.post(
        f"/teams/{team['id']}/tasks",
        {"title": "Review the PR", "assignee_id": member_bob.id},
        token=alice.token,
    )
    for event in events.named(TASK_ASSIGNED):  # what the worker does
        tf.notifications.handle_event(event)
    asyncio.run(tf.notifications.deliver_due())
    [delivered] = service.received
    assert delivered.message["title"] == "تسک به شما اختصاص داده شد"
    assert delivered.message["body"] == "Review the PR (از طرف Alice)"
    assert delivered.message["url"].startswith("http://localhost:8000/tasks/")
    uuid.UUID(delivered.message["id"])
