"""Fixtures of the SQL adapter's own contract tests (``sql_storage`` is parametrized over
sqlite, postgres and mariadb by tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import UUID

import pytest
import sqlalchemy as sa
from sql_helpers import StatementCounter, make_taskflow

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.adapters.sqlalchemy import SqlStorage
from taskflow.testing import FakeClock


@pytest.fixture
def sql_tf(sql_storage: SqlStorage, clock: FakeClock, events: RecordingEventPublisher) -> TaskFlow:
    return make_taskflow(sql_storage, clock, events)


@pytest.fixture
def signup(sql_tf: TaskFlow) -> Callable[..., UUID]:
    counter = 0

    def make(email: str | None = None, name: str = "Someone") -> UUID:
        nonlocal counter
        counter += 1
        result = sql_tf.auth.signup(
            email=email or f"user-{counter}@example.com",
            password="correct horse battery staple",
            name=name,
        )
        return result.user.id

    return make


@pytest.fixture
def count_statements(sql_storage: SqlStorage) -> Iterator[StatementCounter]:
    """Counts every statement sent to the database(s) while the test runs."""
    counter = StatementCounter()
    engines = sql_storage.databases.engines()
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", counter)
    yield counter
    for engine in engines:
        sa.event.remove(engine, "before_cursor_execute", counter)
