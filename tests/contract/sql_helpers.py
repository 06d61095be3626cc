"""Helpers of the SQL contract tests (a module name unique across tests/)."""

from __future__ import annotations

from typing import Any

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory, SqlStorage
from taskflow.testing import FAST_PASSWORD_HASHING, TEST_AUTH_CONFIG, FakeClock


def make_taskflow(storage: SqlStorage, clock: FakeClock, events: Any = None) -> TaskFlow:
    events = events if events is not None else RecordingEventPublisher()
    return TaskFlow.from_adapters(
        uow_factory=SqlAlchemyUnitOfWorkFactory(storage.databases, events),
        token_store=storage.token_store,
        clock=clock,
        publisher=events,
        auth_config=TEST_AUTH_CONFIG,
        password_hashing=FAST_PASSWORD_HASHING,
    )


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)
