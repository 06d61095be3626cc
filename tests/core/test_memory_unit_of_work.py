"""The in-memory unit of work runs one unit at a time (its store's lock): what makes its
conditional writes atomic. (The port's promises, rollback unless committed and events
published only after a commit, are in tests/contract/test_unit_of_work_contract.py.)"""

from __future__ import annotations

import threading

import pytest

from taskflow.adapters.memory import InMemoryUnitOfWorkFactory


@pytest.fixture
def uow_factory() -> InMemoryUnitOfWorkFactory:
    return InMemoryUnitOfWorkFactory()


def test_units_run_one_at_a_time(uow_factory: InMemoryUnitOfWorkFactory) -> None:
    inside = threading.Event()
    release = threading.Event()
    second_entered = threading.Event()

    def first() -> None:
        with uow_factory():
            inside.set()
            release.wait(5)

    def second() -> None:
        with uow_factory():
            second_entered.set()

    t1 = threading.Thread(target=first)
    t1.start()
    assert inside.wait(5)
    t2 = threading.Thread(target=second)
    t2.start()
    assert not second_entered.wait(0.2)
    release.set()
    t1.join(5)
    t2.join(5)
    assert second_entered.is_set()
