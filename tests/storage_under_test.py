"""What the ``storage`` fixture (tests/conftest.py) gives a contract test."""

from __future__ import annotations

from typing import Any

import attrs

from taskflow.ports.services import TokenStore
from taskflow.ports.unit_of_work import UnitOfWorkFactory


@attrs.frozen
class StorageUnderTest:
    """One backend's storage: its unit-of-work factory (publishing to ``events``) and its
    token store; ``sql`` is the ``SqlStorage`` behind them (None in memory)."""

    backend: str
    uow_factory: UnitOfWorkFactory
    token_store: TokenStore
    sql: Any = None
