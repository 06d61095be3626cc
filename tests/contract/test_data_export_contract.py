"""The ports a data export relies on, on every backend: the request record that
rate-limits it (one conditional write, once under a race), and the reads of a user's
tasks and comments across teams."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from builders import NOW, a_comment, a_task, a_user

from ports_under_test import StorageUnderTest
from taskflow.ids import new_id

DAY = timedelta(days=1)


def _user(storage: StorageUnderTest, email: str = "sara@example.com") -> UUID:
    user = a_user(email)
    with storage.uow_factory() as uow:
        uow.users.add(user)
        uow.commit()
    return user.id


def _record(storage: StorageUnderTest, user_id: UUID, now: Any) -> bool:
    with storage.uow_factory() as uow:
        recorded = uow.data_exports.record(user_id, now, unless_since=now - DAY)
        uow.commit()
    return recorded


def test_a_request_is_recorded_once_per_interval(storage: StorageUnderTest) -> None:
    sara, ali = _user(storage), _user(storage, "ali@example.com")
    with storage.uow_factory(read_only=True) as uow:
        assert uow.data_exports.last_requested_at(sara) is None
    assert _record(storage, sara, NOW)
    assert not _record(storage, sara, NOW + timedelta(hours=23))
    assert _record(storage, ali, NOW + timedelta(hours=23))  # per user
    with storage.uow_factory(read_only=True) as uow:
        assert uow.data_exports.last_requested_at(sara) == NOW  # a refusal changes nothing
    assert not _record(storage, sara, NOW + DAY - timedelta(microseconds=1))
    assert _record(storage, sara, NOW + DAY)  # a whole interval later
    with storage.uow_factory(read_only=True) as uow:
        assert uow.data_exports.last_requested_at(sara) == NOW + DAY


def test_a_request_rolled_back_is_not_recorded(storage: StorageUnderTest) -> None:
    sara = _user(storage)
    with storage.uow_factory() as uow:
        assert uow.data_exports.record(sara, NOW, unless_since=NOW - DAY)
        uow.rollback()
    assert _record(storage, sara, NOW)


@pytest.mark.parametrize("existing", [False, True], ids=["first", "again"])
def test_of_concurrent_requests_exactly_one_is_recorded(
    storage: StorageUnderTest, existing: bool
) -> None:
    sara = _user(storage)
    if existing:
        assert _record(storage, sara, NOW - 2 * DAY)
    barrier = threading.Barrier(4)
    results: list[Any] = [None] * 4

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = _record(storage, sara, NOW)
        except Exception as error:  # collected for the assertion
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False, False, False, True]


def test_a_users_tasks_are_those_they_created_or_are_assigned_oldest_first(
    storage: StorageUnderTest,
) -> None:
    sara, ali = _user(storage), _user(storage, "ali@example.com")
    team, other_team = new_id(), new_id()
    created = a_task(team, sara, created_at=NOW + timedelta(minutes=2))
    assigned = a_task(other_team, ali, assignee_id=sara, created_at=NOW)
    deleted = a_task(team, sara, created_at=NOW + timedelta(minutes=1), deleted_at=NOW)
    not_hers = a_task(team, ali, assignee_id=ali)
    with storage.uow_factory() as uow:
        for task in (created, assigned, deleted, not_hers):
            uow.tasks.add(task)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.tasks.list_involving(sara) == [assigned, deleted, created]
        assert uow.tasks.list_involving(new_id()) == []


def test_a_users_comments_are_listed_across_tasks_oldest_first(
    storage: StorageUnderTest,
) -> None:
    sara, ali = _user(storage), _user(storage, "ali@example.com")
    first, second = a_task(new_id(), ali), a_task(new_id(), ali)
    later = a_comment(first.id, sara, created_at=NOW + timedelta(seconds=5))
    earlier = a_comment(second.id, sara, created_at=NOW)
    alis = a_comment(first.id, ali)
    with storage.uow_factory() as uow:
        uow.tasks.add(first)
        uow.tasks.add(second)
        for comment in (later, earlier, alis):
            uow.comments.add(comment)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.comments.list_by_author(sara) == [earlier, later]
