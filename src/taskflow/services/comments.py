"""The comment service: comments on tasks."""

from __future__ import annotations

from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWorkFactory

__all__ = ["CommentService"]


class CommentService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
