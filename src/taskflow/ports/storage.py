"""What a storage backend hands the composition root."""

from __future__ import annotations

from collections.abc import Callable

from attrs import frozen

from taskflow.ports.services import TokenStore
from taskflow.ports.unit_of_work import UnitOfWorkFactory

__all__ = ["Storage"]


def _nothing_to_close() -> None:
    return None


@frozen
class Storage:
    """The unit-of-work factory, the token store, and how to release their resources
    (connection pools, Redis clients) at shutdown."""

    uow_factory: UnitOfWorkFactory
    token_store: TokenStore
    close: Callable[[], None] = _nothing_to_close
