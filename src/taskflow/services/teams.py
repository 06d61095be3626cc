"""The team service: teams, members and roles."""

from __future__ import annotations

from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWorkFactory

__all__ = ["TeamService"]


class TeamService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
