"""A read-only unit of work refuses writes, on every SQL backend.

On PostgreSQL a read-only unit runs in autocommit (no BEGIN/ROLLBACK round trips), so a
write slipped into one would be committed at once instead of rolled back with the unit.
The adapter refuses any INSERT, UPDATE or DELETE there before it reaches the database.
"""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from taskflow.adapters.sqlalchemy import SqlStorage
from taskflow.adapters.sqlalchemy.unit_of_work import ReadOnlyUnitWrite
from taskflow.domain.models import User
from taskflow.ids import new_id

NOW = datetime(2024, 2, 1, 10, 0, tzinfo=UTC)


def _user() -> User:
    return User(new_id(), "ro@example.com", "h", "R", False, NOW, NOW)


def test_a_write_in_a_read_only_unit_is_refused_and_nothing_is_stored(
    sql_storage: SqlStorage,
) -> None:
    user = _user()
    with (
        pytest.raises(ReadOnlyUnitWrite, match="read-only"),
        sql_storage.uow_factory(read_only=True) as uow,
    ):
        uow.users.add(user)
    with sql_storage.uow_factory() as uow:
        assert uow.users.get(user.id) is None


def test_an_update_and_a_delete_in_a_read_only_unit_are_refused(sql_storage: SqlStorage) -> None:
    user = _user()
    with sql_storage.uow_factory() as uow:
        uow.users.add(user)
        uow.commit()
    with (
        pytest.raises(ReadOnlyUnitWrite, match="read-only"),
        sql_storage.uow_factory(read_only=True) as uow,
    ):
        uow.users.update(attrs.evolve(user, name="Changed"))
    with (
        pytest.raises(ReadOnlyUnitWrite, match="read-only"),
        sql_storage.uow_factory(read_only=True) as uow,
    ):
        uow.login_failures.clear("a" * 64)
    with sql_storage.uow_factory(read_only=True) as uow:
        stored = uow.users.get(user.id)
    assert stored is not None
    assert stored.name == "R"


def test_the_same_storage_still_writes_in_ordinary_units_after_a_read_only_one(
    sql_storage: SqlStorage,
) -> None:
    with sql_storage.uow_factory(read_only=True) as uow:
        assert uow.users.get(new_id()) is None
    user = _user()
    with sql_storage.uow_factory() as uow:
        uow.users.add(user)
        uow.commit()
    with sql_storage.uow_factory(read_only=True) as uow:
        assert uow.users.get(user.id) is not None
