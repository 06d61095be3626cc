"""What waits to be done, read for monitoring: the outbox the relay has not published yet
(how many events, and how old the oldest is: the relay's lag) and the mail deliveries by
status. The queue's own depth is the ``Queue`` port's ``depth()``.

Read in one unit of work, from the database every process shares, so each
process (a service replica or a worker) reports the same numbers: alert on their ``max``.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from taskflow.domain.notifications import Channel, DeliveryStatus
from taskflow.ports.unit_of_work import UnitOfWorkFactory

__all__ = ["Backlog", "read_backlog"]


@frozen
class Backlog:
    outbox_unpublished: int
    """Events committed and not yet handed to the queue."""
    outbox_lag_seconds: float
    """Age of the oldest of them (0 when none waits)."""
    mails: dict[DeliveryStatus, int]
    """Mail deliveries in each status (sent, failed and dead are final)."""


def read_backlog(uow_factory: UnitOfWorkFactory, now: datetime) -> Backlog:
    # Not read_only: that may go to a read replica, whose own delay would pass for the
    # relay's; these are three indexed reads on the primary.
    with uow_factory() as uow:
        unpublished = uow.outbox.count_unpublished()
        oldest = uow.outbox.oldest_unpublished_at()
        mails = uow.deliveries.count_by_status(Channel.EMAIL)
    lag = 0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0)
    return Backlog(outbox_unpublished=unpublished, outbox_lag_seconds=lag, mails=mails)
