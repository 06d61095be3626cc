"""The invite service: invite by email, accept, list, revoke, re-send."""

from __future__ import annotations

from taskflow.config import InviteConfig
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWorkFactory

__all__ = ["InviteService"]


class InviteService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, config: InviteConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config
