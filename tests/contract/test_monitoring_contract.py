"""What monitoring reads from the storage ports, on every backend (memory, SQLite,
PostgreSQL, MariaDB): the outbox's oldest waiting event (the relay's lag) and the mail
deliveries by status (/metrics, docs/deploy.md)."""

from __future__ import annotations

from datetime import timedelta

from builders import NOW

from ports_under_test import StorageUnderTest
from taskflow.domain.notifications import Channel, Delivery, DeliveryStatus, NotificationType
from taskflow.events import TASK_CREATED, make_event
from taskflow.ids import new_id


def test_the_oldest_unpublished_event_is_the_relays_lag(storage: StorageUnderTest) -> None:
    with storage.uow_factory(read_only=True) as uow:
        assert uow.outbox.oldest_unpublished_at() is None
    oldest = make_event(TASK_CREATED, {}, NOW)
    newer = make_event(TASK_CREATED, {}, NOW + timedelta(minutes=3))
    with storage.uow_factory() as uow:
        uow.emit(newer)
        uow.emit(oldest)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        moment = uow.outbox.oldest_unpublished_at()
    assert moment == NOW
    assert moment is not None
    assert moment.tzinfo is not None
    with storage.uow_factory() as uow:
        uow.outbox.mark_published([oldest.id], NOW)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.outbox.oldest_unpublished_at() == NOW + timedelta(minutes=3)
    with storage.uow_factory() as uow:
        uow.outbox.mark_published([newer.id], NOW)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.outbox.oldest_unpublished_at() is None


def _delivery(channel: Channel, status: DeliveryStatus) -> Delivery:
    return Delivery(
        id=new_id(),
        event_id=new_id(),
        recipient=str(new_id()),
        channel=channel,
        type=NotificationType.TASK_ASSIGNED,
        user_id=None,
        email="sara@example.com",
        context={},
        status=status,
        created_at=NOW,
        updated_at=NOW,
        next_attempt_at=NOW,
    )


def test_deliveries_are_counted_by_status_per_channel(storage: StorageUnderTest) -> None:
    with storage.uow_factory(read_only=True) as uow:
        assert uow.deliveries.count_by_status(Channel.EMAIL) == dict.fromkeys(DeliveryStatus, 0)
    wanted = {
        DeliveryStatus.SENT: 3,
        DeliveryStatus.FAILED: 1,
        DeliveryStatus.DEAD: 2,
        DeliveryStatus.PENDING: 1,
    }
    with storage.uow_factory() as uow:
        for status, count in wanted.items():
            for _ in range(count):
                assert uow.deliveries.add(_delivery(Channel.EMAIL, status))
        assert uow.deliveries.add(_delivery(Channel.IN_APP, DeliveryStatus.SENT))
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        counts = uow.deliveries.count_by_status(Channel.EMAIL)
        in_app = uow.deliveries.count_by_status(Channel.IN_APP)
    assert counts == {**dict.fromkeys(DeliveryStatus, 0), **wanted}
    assert in_app[DeliveryStatus.SENT] == 1
    assert sum(in_app.values()) == 1
