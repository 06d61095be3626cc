"""The Web Push parts of the notification ports' contract, on every backend (memory,
SQLite, PostgreSQL, MariaDB): subscriptions are unique by endpoint (subscribing it again
moves it and keeps its id, also when two units race), listed oldest first, removed once;
``push_off`` round-trips; ``claim_due`` claims only the channels asked for; a push's
progress is stored under its claim without giving the claim up."""

from __future__ import annotations

import threading
from datetime import timedelta

import attrs
from builders import NOW, a_user

from ports_under_test import StorageUnderTest
from taskflow.domain.models import User
from taskflow.domain.notifications import (
    Channel,
    Delivery,
    DeliveryStatus,
    NotificationPreferences,
    NotificationType,
    PushSubscription,
)
from taskflow.ids import new_id

ENDPOINT = "https://fcm.googleapis.com/fcm/send/" + "x" * 400  # long, as real ones are


def _users(storage: StorageUnderTest, *emails: str) -> list[User]:
    users = [a_user(email) for email in emails]
    with storage.uow_factory() as uow:
        for user in users:
            uow.users.add(user)
        uow.commit()
    return users


def _subscription(user: User, endpoint: str, *, at: int = 0, key: str = "k") -> PushSubscription:
    return PushSubscription(
        id=new_id(),
        user_id=user.id,
        endpoint=endpoint,
        p256dh=key * 87,
        auth=key * 22,
        created_at=NOW + timedelta(seconds=at),
    )


def test_an_endpoint_is_one_row_that_moves_to_whoever_subscribed_it_last(
    storage: StorageUnderTest,
) -> None:
    ana, reza = _users(storage, "ana@example.com", "reza@example.com")
    with storage.uow_factory() as uow:
        first = uow.push_subscriptions.put(_subscription(ana, ENDPOINT))
        uow.push_subscriptions.put(_subscription(ana, ENDPOINT + "2", at=1))
        uow.commit()
    with storage.uow_factory() as uow:
        moved = uow.push_subscriptions.put(_subscription(reza, ENDPOINT, at=5, key="n"))
        uow.commit()
    assert moved == attrs.evolve(first, user_id=reza.id, p256dh="n" * 87, auth="n" * 22)
    with storage.uow_factory(read_only=True) as uow:
        assert [s.endpoint for s in uow.push_subscriptions.list_for_user(ana.id)] == [
            ENDPOINT + "2"
        ]
        assert uow.push_subscriptions.list_for_user(reza.id) == [moved]
        assert uow.push_subscriptions.get_by_endpoint(ENDPOINT) == moved
        assert uow.push_subscriptions.get(first.id) == moved
        assert uow.push_subscriptions.get_by_endpoint(ENDPOINT + "3") is None


def test_a_users_subscriptions_are_listed_oldest_first_and_removed_once(
    storage: StorageUnderTest,
) -> None:
    [ana] = _users(storage, "ana@example.com")
    with storage.uow_factory() as uow:
        later = uow.push_subscriptions.put(_subscription(ana, ENDPOINT + "b", at=10))
        earlier = uow.push_subscriptions.put(_subscription(ana, ENDPOINT + "a", at=1))
        uow.commit()
    with storage.uow_factory() as uow:
        assert uow.push_subscriptions.list_for_user(ana.id) == [earlier, later]
        assert uow.push_subscriptions.remove(earlier.id) is True
        assert uow.push_subscriptions.remove(earlier.id) is False
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.push_subscriptions.list_for_user(ana.id) == [later]


def test_two_units_subscribing_one_endpoint_at_once_leave_one_row(
    storage: StorageUnderTest,
) -> None:
    ana, reza = _users(storage, "ana@example.com", "reza@example.com")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def subscribe(user: User) -> None:
        try:
            barrier.wait(5)
            with storage.uow_factory() as uow:
                uow.push_subscriptions.put(_subscription(user, ENDPOINT))
                uow.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=subscribe, args=(user,)) for user in (ana, reza)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with storage.uow_factory(read_only=True) as uow:
        owners = [*uow.push_subscriptions.list_for_user(ana.id)]
        owners += uow.push_subscriptions.list_for_user(reza.id)
    assert len(owners) == 1


def test_push_off_round_trips_beside_email_off(storage: StorageUnderTest) -> None:
    [ana] = _users(storage, "ana@example.com")
    prefs = NotificationPreferences(
        user_id=ana.id,
        email_off=frozenset({NotificationType.TASK_COMPLETED}),
        push_off=frozenset({NotificationType.TASK_DUE_SOON, NotificationType.INVITE_CREATED}),
        updated_at=NOW,
    )
    with storage.uow_factory() as uow:
        uow.preferences.put(prefs)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.preferences.get(ana.id) == prefs


def _delivery(channel: Channel, at: int) -> Delivery:
    return Delivery(
        id=new_id(),
        event_id=new_id(),
        recipient="someone",
        channel=channel,
        type=NotificationType.TASK_ASSIGNED,
        user_id=None,
        email="someone@example.com" if channel is Channel.EMAIL else None,
        context={"title": "t"},
        status=DeliveryStatus.PENDING,
        created_at=NOW,
        updated_at=NOW,
        next_attempt_at=NOW + timedelta(seconds=at),
    )


def test_claims_take_only_the_channels_asked_for_and_progress_keeps_the_claim(
    storage: StorageUnderTest,
) -> None:
    mail, push = _delivery(Channel.EMAIL, 1), _delivery(Channel.PUSH, 2)
    with storage.uow_factory() as uow:
        assert uow.deliveries.add(mail)
        assert uow.deliveries.add(push)
        uow.commit()
    later = NOW + timedelta(minutes=1)
    claim = new_id()
    with storage.uow_factory() as uow:
        [claimed] = uow.deliveries.claim_due(
            later, claim_id=claim, claimed_until=later + timedelta(minutes=5), limit=10
        )  # by default: email only, as before push
        assert claimed.id == mail.id
        claim = new_id()
        [pushed] = uow.deliveries.claim_due(
            later,
            claim_id=claim,
            claimed_until=later + timedelta(minutes=5),
            limit=10,
            channels=(Channel.EMAIL, Channel.PUSH),
        )
        assert pushed.id == push.id
        assert pushed.status is DeliveryStatus.SENDING
        uow.commit()
    progress = attrs.evolve(pushed, context={**pushed.context, "push_done": ["a"]})
    with storage.uow_factory() as uow:
        assert uow.deliveries.finish(progress, claim) is True
        assert uow.deliveries.finish(progress, new_id()) is False  # not our claim
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        stored = uow.deliveries.get(push.id)
    assert stored is not None
    assert stored.status is DeliveryStatus.SENDING
    assert stored.claim_id == claim
    assert stored.context["push_done"] == ["a"]
