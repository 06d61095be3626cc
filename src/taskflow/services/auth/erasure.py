"""Erasure: what happens to an account once its deletion grace period is over.

``erase_due(now=None)`` is the worker's periodic job (``bootstrap/worker.py``). Each due
account is erased in ONE unit of work, which starts with the conditional
``UserRepository.erase``: a login that cancelled the deletion a moment before wins, and
the unit changes nothing.

What an erasure leaves, table by table:

- the user's row becomes a stand-in: the id (comments, activity, tasks and teams still
  point at it), the name ``ex-member``, the address ``<id>@erased.invalid`` (no one can
  sign up, be invited or move to it) and an unusable password hash; ``erased_at`` set;
- memberships: removed, and the user's open tasks in each team unassigned (recorded in
  the task's activity, as when a member is removed); done tasks keep them as assignee,
  tasks keep them as creator, comments and activity as author: shown as ``ex-member``;
- invites to their address or accepted by them: deleted; invites they sent that were
  never accepted: deleted; accepted ones they sent stay (the team's history);
- one-time tokens, email change requests, in-app notifications, notification
  preferences, the notification log's rows to them (pending mails are never sent) and
  the login counter of their address: deleted;
- sessions: ended (their rows, holding ids and times only, go with ``purge_expired``).

A user who owns a team when the job runs (ownership handed to them during the grace
period) is skipped, and stays due: erased once they no longer own any team (a login
cancels it, as always). The outbox keeps the events of the past (with the address they
were sent to) until the relay purges them after their retention.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final
from uuid import UUID

import attrs

from taskflow.domain.models import ERASED_EMAIL_DOMAIN, EX_MEMBER_NAME, Role, User
from taskflow.events import USER_ERASED, make_event
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.services.auth.lockout import login_subject
from taskflow.services.auth.sessions import SessionService
from taskflow.services.teams import unassign_open_tasks

__all__ = ["ERASED_PASSWORD_HASH", "ErasureService", "erased_stand_in"]

_log = logging.getLogger(__name__)

ERASED_PASSWORD_HASH: Final = "!erased"  # noqa: S105 - no password verifies against it
_BATCH: Final = 100


def erased_stand_in(user: User, now: datetime) -> User:
    """What remains of ``user`` once erased."""
    return attrs.evolve(
        user,
        email=f"{user.id.hex}@{ERASED_EMAIL_DOMAIN}",
        password_hash=ERASED_PASSWORD_HASH,
        name=EX_MEMBER_NAME,
        email_verified=False,
        updated_at=now,
        deletion_due_at=None,
        erased_at=now,
        external_id=None,  # the host's id no longer names anybody here (identity mode)
    )


class ErasureService:
    """The erasure part of ``tf.auth``: the worker's job."""

    def __init__(self, uow: UnitOfWorkFactory, sessions: SessionService, clock: Clock) -> None:
        self._uow = uow
        self._sessions = sessions
        self._clock = clock

    def erase_due(self, now: datetime | None = None) -> int:
        """Erase every account whose deletion is due at ``now`` (default: the clock);
        returns how many were erased."""
        now = now if now is not None else self._clock.now()
        erased = 0
        skipped: set[UUID] = set()
        while True:
            with self._uow(read_only=True) as uow:
                due = uow.users.due_for_erasure(now, _BATCH + len(skipped))
            batch = [user_id for user_id in due if user_id not in skipped]
            if not batch:
                return erased
            for user_id in batch:
                if self._erase(user_id, now):
                    erased += 1
                else:
                    skipped.add(user_id)

    def _erase(self, user_id: UUID, now: datetime) -> bool:
        try:
            return self._erase_in_one_unit(user_id, now)
        except _ChangedMeanwhile:
            # Rolled back whole; still due, so the next run tries again.
            _log.info("account %s changed while being erased: retried on the next run", user_id)
            return False

    def _erase_in_one_unit(self, user_id: UUID, now: datetime) -> bool:
        with self._uow() as uow:
            user = uow.users.get(user_id)
            if user is None or user.is_erased:
                return False
            teams = uow.members.teams_of_user(user_id)
            if any(team.role is Role.OWNER for team in teams):
                _log.warning("account %s is due for erasure but owns a team: skipped", user_id)
                return False
            # First, and conditional: a login that cancelled the deletion wins.
            if not uow.users.erase(erased_stand_in(user, now), now):
                return False
            for team in teams:
                # Conditional on the role read: a role changed meanwhile (made owner?)
                # rolls the whole erasure back.
                if not uow.members.remove(team.id, user_id, expected=team.role):
                    raise _ChangedMeanwhile()
                unassign_open_tasks(uow, team.id, user_id, user_id, now)
            _drop_personal_rows(uow, user)
            uow.emit(make_event(USER_ERASED, {"user_id": str(user_id)}, now))
            uow.commit()
        self._sessions.end_user_sessions(user_id, now)
        return True


class _ChangedMeanwhile(Exception):
    """A membership changed between the read and the removal: the unit rolls back."""


def _drop_personal_rows(uow: UnitOfWork, user: User) -> None:
    uow.invites.drop_for_user(user.id, user.email)
    uow.one_time_tokens.delete_for_user(user.id)
    uow.email_changes.delete_for_user(user.id)
    uow.notifications.delete_for_user(user.id)
    uow.deliveries.drop_for_user(user.id, user.email)
    uow.preferences.delete(user.id)
    for subscription in uow.push_subscriptions.list_for_user(user.id):  # their devices
        uow.push_subscriptions.remove(subscription.id)
    uow.login_failures.clear(login_subject(user.email))
