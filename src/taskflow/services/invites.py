"""The invite service: invite by email, accept, list, revoke, re-send.

- Admins and owners invite members by email; only the owner invites admins (only the
  owner grants the admin role), and nobody invites an ``owner``.
  The token is 256 random bits, shown once: in the ``invite.created`` event
  the mailer turns into the invitation mail. Only its SHA-256 hash is stored, so a
  leaked database does not leak usable invites. It expires after ``InviteConfig.ttl``.
- Accepting needs the logged-in user whose email is the invite's (case-insensitive);
  it proves the mailbox, so the email is marked verified. The membership is added and
  the invite marked used in one unit of work, and the single conditional
  ``InviteRepository.accept`` decides which of two concurrent accepts wins.
- Invites to an email without an account stay pending until that person signs up and
  accepts. ``list_mine`` lists the invites waiting for the caller's address. Re-sending
  makes a new token and expiry; the old token stops working.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime
from typing import Annotated
from uuid import UUID

import attrs
from pydantic import StringConstraints

from taskflow.config import InviteConfig
from taskflow.domain.models import Event, Invite, Membership, Role, Team, TeamSummary
from taskflow.errors import (
    AlreadyTeamMember,
    InviteAlreadyUsed,
    InviteEmailMismatch,
    InviteExpired,
    InviteNotFound,
    InviteRevoked,
    RateLimited,
    UserNotFound,
)
from taskflow.events import INVITE_CREATED, make_event
from taskflow.ids import new_id
from taskflow.ports.services import Clock, Sealer
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.services.permissions import check_invite_role, require_role, require_team
from taskflow.services.read_models import InviteInfo
from taskflow.services.teams import AssignableRole
from taskflow.validation import Email, InputModel, validate

__all__ = ["InviteService", "hash_invite_token"]


def hash_invite_token(token: str) -> str:
    """What is stored for an invite token: its SHA-256, hex. The token has 256 random
    bits, so a fast hash is enough (nothing to brute-force, unlike a password)."""
    return hashlib.sha256(token.encode()).hexdigest()


InviteToken = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class _CreateInvite(InputModel):
    actor_id: UUID
    team_id: UUID
    email: Email
    role: AssignableRole


class _AcceptInvite(InputModel):
    actor_id: UUID
    token: InviteToken


class _TeamInput(InputModel):
    actor_id: UUID
    team_id: UUID


class _ActorInput(InputModel):
    actor_id: UUID


class _InviteInput(InputModel):
    actor_id: UUID
    invite_id: UUID


class InviteService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, config: InviteConfig, sealer: Sealer
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._config = config
        self._sealer = sealer

    def create(
        self, actor_id: UUID, team_id: UUID, *, email: str, role: Role | str = Role.MEMBER
    ) -> InviteInfo:
        """Invite ``email`` to the team (admin or owner; only the owner invites an
        admin). Emits ``invite.created`` carrying the token sealed (``sealed_token``): the
        mail needs it, the outbox and the queue must not show it."""
        data = validate(_CreateInvite, actor_id=actor_id, team_id=team_id, email=email, role=role)
        now = self._clock.now()
        with self._uow() as uow:
            team = require_team(uow, data.team_id)
            actor = require_role(uow, data.team_id, data.actor_id, Role.ADMIN)
            check_invite_role(actor, data.role)
            self._check_sender_limit(uow, data.actor_id, now)
            _refuse_existing_member(uow, data.team_id, data.email)
            token = _new_token()
            invite = Invite(
                id=new_id(),
                team_id=data.team_id,
                email=data.email,
                role=data.role,
                token_hash=hash_invite_token(token),
                expires_at=now + self._config.ttl,
                created_by=data.actor_id,
                created_at=now,
            )
            uow.invites.add(invite)
            sealed = self._sealer.seal(token, purpose=INVITE_CREATED)
            uow.emit(_invite_created(invite, team, sealed, data.actor_id, now))
            uow.commit()
        return InviteInfo.of(invite)

    def _check_sender_limit(self, uow: UnitOfWork, actor_id: UUID, now: datetime) -> None:
        """``RateLimited`` once the actor sent ``sender_limit`` invites in the window."""
        limit, window = self._config.sender_limit, self._config.sender_window
        if limit and uow.invites.count_sent_by(actor_id, now - window) >= limit:
            raise RateLimited(
                "Too many invites sent; try again later.",
                retry_after=math.ceil(window.total_seconds()),
            )

    def accept(self, actor_id: UUID, *, token: str) -> TeamSummary:
        """Join the team the invite is for, as the logged-in user it was sent to."""
        data = validate(_AcceptInvite, actor_id=actor_id, token=token)
        now = self._clock.now()
        with self._uow() as uow:
            invite = uow.invites.get_by_token_hash(hash_invite_token(data.token))
            if invite is None:
                raise InviteNotFound()
            user = uow.users.get(data.actor_id)
            if user is None:
                raise UserNotFound()
            # The email check comes first, so whoever else holds the link learns nothing
            # about the invite's state.
            if user.email.lower() != invite.email.lower():
                raise InviteEmailMismatch()
            _refuse_unusable(invite, now)
            team = require_team(uow, invite.team_id)
            # The conditional accept comes before the membership check: of two concurrent
            # accepts, the loser waits here for the winner's row lock and then finds the
            # invite used, instead of racing the winner's membership insert.
            if not uow.invites.accept(invite.id, user.id, now):
                # Someone accepted (or revoked) it between our read and this update.
                raise InviteAlreadyUsed()
            if uow.members.get(invite.team_id, user.id) is not None:
                raise AlreadyTeamMember()  # the unit of work rolls back the accept
            # Raises AlreadyTeamMember on a concurrent join; the unit of work then rolls
            # back the accept above too.
            uow.members.add(
                Membership(
                    id=new_id(),
                    team_id=invite.team_id,
                    user_id=user.id,
                    role=invite.role,
                    joined_at=now,
                )
            )
            if not user.email_verified:
                uow.users.mark_verified(user.id, user.email, now)
            uow.commit()
        return TeamSummary(id=team.id, name=team.name, role=invite.role)

    def list_pending(self, actor_id: UUID, team_id: UUID) -> list[InviteInfo]:
        """The team's invites not yet accepted, revoked or expired, newest first (admin or
        owner)."""
        data = validate(_TeamInput, actor_id=actor_id, team_id=team_id)
        now = self._clock.now()
        with self._uow(read_only=True) as uow:
            require_role(uow, data.team_id, data.actor_id, Role.ADMIN)
            return [InviteInfo.of(i) for i in uow.invites.list_pending(data.team_id, now)]

    def list_mine(self, actor_id: UUID) -> list[InviteInfo]:
        """The invites waiting for the actor: sent to their current address, not yet
        accepted, revoked or expired, in any team, newest first. After an email change,
        the invites to the new address are listed (and can be accepted)."""
        data = validate(_ActorInput, actor_id=actor_id)
        now = self._clock.now()
        with self._uow(read_only=True) as uow:
            user = uow.users.get(data.actor_id)
            if user is None or user.is_erased:
                raise UserNotFound()
            return [InviteInfo.of(i) for i in uow.invites.list_pending_for_email(user.email, now)]

    def revoke(self, actor_id: UUID, invite_id: UUID) -> None:
        """Cancel a pending invite (admin or owner); its token stops working. Revoking a
        revoked invite changes nothing; a used one cannot be revoked."""
        data = validate(_InviteInput, actor_id=actor_id, invite_id=invite_id)
        now = self._clock.now()
        with self._uow() as uow:
            invite = self._require_manageable(uow, data.invite_id, data.actor_id)
            if invite.accepted_at is not None:
                raise InviteAlreadyUsed()
            if invite.revoked_at is None:
                uow.invites.revoke(invite.id, now)
            uow.commit()

    def resend(self, actor_id: UUID, invite_id: UUID) -> InviteInfo:
        """A new token and a new expiry for a pending (or expired) invite (admin or
        owner); the old token stops working. Emits ``invite.created`` again."""
        data = validate(_InviteInput, actor_id=actor_id, invite_id=invite_id)
        now = self._clock.now()
        with self._uow() as uow:
            invite = self._require_manageable(uow, data.invite_id, data.actor_id)
            if invite.revoked_at is not None:
                raise InviteRevoked()
            if invite.accepted_at is not None:
                raise InviteAlreadyUsed()
            _refuse_existing_member(uow, invite.team_id, invite.email)
            team = require_team(uow, invite.team_id)
            token = _new_token()
            token_hash = hash_invite_token(token)
            expires_at = now + self._config.ttl
            if not uow.invites.replace_token(invite.id, token_hash, expires_at):
                raise InviteAlreadyUsed()
            invite = attrs.evolve(invite, token_hash=token_hash, expires_at=expires_at)
            sealed = self._sealer.seal(token, purpose=INVITE_CREATED)
            uow.emit(_invite_created(invite, team, sealed, data.actor_id, now))
            uow.commit()
        return InviteInfo.of(invite)

    @staticmethod
    def _require_manageable(uow: UnitOfWork, invite_id: UUID, actor_id: UUID) -> Invite:
        """The invite, if the actor is an admin or owner of its team (404 if there is no
        such invite, 403 if the actor may not manage it)."""
        invite = uow.invites.get(invite_id)
        if invite is None:
            raise InviteNotFound()
        require_role(uow, invite.team_id, actor_id, Role.ADMIN)
        return invite


def _new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits


def _refuse_existing_member(uow: UnitOfWork, team_id: UUID, email: str) -> None:
    user = uow.users.get_by_email(email)
    if user is not None and uow.members.get(team_id, user.id) is not None:
        raise AlreadyTeamMember()


def _refuse_unusable(invite: Invite, now: datetime) -> None:
    if invite.revoked_at is not None:
        raise InviteRevoked()
    if invite.accepted_at is not None:
        raise InviteAlreadyUsed()
    if now >= invite.expires_at:
        raise InviteExpired()


def _invite_created(
    invite: Invite, team: Team, sealed_token: str, invited_by: UUID, now: datetime
) -> Event:
    return make_event(
        INVITE_CREATED,
        {
            "invite_id": str(invite.id),
            "email": invite.email,
            "team_name": team.name,
            "sealed_token": sealed_token,
            "team_id": str(team.id),
            "role": invite.role.value,
            "invited_by": str(invited_by),
        },
        now,
    )
