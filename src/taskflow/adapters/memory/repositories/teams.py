"""Teams in memory: teams, memberships, invites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import attrs

from taskflow.adapters.memory.repositories.base import InMemoryRepository
from taskflow.domain.models import Invite, Membership, Role, Team, TeamSummary
from taskflow.errors import AlreadyTeamMember

__all__ = [
    "InMemoryInviteRepository",
    "InMemoryMembershipRepository",
    "InMemoryTeamRepository",
]


class InMemoryTeamRepository(InMemoryRepository):
    def add(self, team: Team) -> None:
        self._store.teams[team.id] = team

    def get(self, team_id: UUID) -> Team | None:
        return self._store.teams.get(team_id)

    def get_with_membership(
        self, team_id: UUID, user_id: UUID
    ) -> tuple[Team, Membership | None] | None:
        team = self._store.teams.get(team_id)
        if team is None:
            return None
        return team, self._store.members.get((team_id, user_id))

    def update(self, team: Team) -> None:
        if team.id in self._store.teams:  # deleted meanwhile: stays deleted
            self._store.teams[team.id] = team

    def rename(self, team_id: UUID, name: str) -> None:
        team = self._store.teams.get(team_id)
        if team is not None:
            self._store.teams[team_id] = attrs.evolve(team, name=name)

    def set_owner(self, team_id: UUID, expected_owner_id: UUID, new_owner_id: UUID) -> bool:
        team = self._store.teams.get(team_id)
        if team is None or team.owner_id != expected_owner_id:
            return False
        self._store.teams[team_id] = attrs.evolve(team, owner_id=new_owner_id)
        return True

    def delete(self, team_id: UUID) -> None:
        self._store.teams.pop(team_id, None)
        for key in [k for k in self._store.members if k[0] == team_id]:
            del self._store.members[key]
        for invite_id in [i.id for i in self._store.invites.values() if i.team_id == team_id]:
            del self._store.invites[invite_id]


class InMemoryMembershipRepository(InMemoryRepository):
    def add(self, membership: Membership) -> None:
        key = (membership.team_id, membership.user_id)
        if key in self._store.members:
            raise AlreadyTeamMember()
        self._store.members[key] = membership

    def get(self, team_id: UUID, user_id: UUID) -> Membership | None:
        return self._store.members.get((team_id, user_id))

    def list_for_team(self, team_id: UUID) -> Sequence[Membership]:
        found = [m for m in self._store.members.values() if m.team_id == team_id]
        return sorted(found, key=lambda m: (m.joined_at, m.id))

    def teams_of_user(self, user_id: UUID) -> Sequence[TeamSummary]:
        summaries = [
            TeamSummary(id=m.team_id, name=self._store.teams[m.team_id].name, role=m.role)
            for m in self._store.members.values()
            if m.user_id == user_id and m.team_id in self._store.teams
        ]
        return sorted(summaries, key=lambda s: (s.name, s.id))

    def team_ids_of_user(self, user_id: UUID) -> Sequence[UUID]:
        return [m.team_id for m in self._store.members.values() if m.user_id == user_id]

    def set_role(self, team_id: UUID, user_id: UUID, role: Role, *, expected: Role) -> bool:
        membership = self._store.members.get((team_id, user_id))
        if membership is None or membership.role is not expected:
            return False  # removed or changed meanwhile: nothing to change
        self._store.members[team_id, user_id] = attrs.evolve(membership, role=role)
        return True

    def remove(self, team_id: UUID, user_id: UUID, *, expected: Role) -> bool:
        membership = self._store.members.get((team_id, user_id))
        if membership is None or membership.role is not expected:
            return False
        del self._store.members[team_id, user_id]
        return True


class InMemoryInviteRepository(InMemoryRepository):
    def add(self, invite: Invite) -> None:
        self._store.invites[invite.id] = invite

    def get(self, invite_id: UUID) -> Invite | None:
        return self._store.invites.get(invite_id)

    def get_by_token_hash(self, token_hash: str) -> Invite | None:
        invites = self._store.invites.values()
        return next((i for i in invites if i.token_hash == token_hash), None)

    def count_sent_by(self, user_id: UUID, since: datetime) -> int:
        invites = self._store.invites.values()
        return sum(1 for i in invites if i.created_by == user_id and i.created_at >= since)

    def list_pending(self, team_id: UUID, now: datetime) -> Sequence[Invite]:
        found = [
            i
            for i in self._store.invites.values()
            if i.team_id == team_id and i.is_pending and now < i.expires_at
        ]
        return sorted(found, key=lambda i: (i.created_at, i.id), reverse=True)

    def list_pending_for_email(self, email: str, now: datetime) -> Sequence[Invite]:
        found = [
            i
            for i in self._store.invites.values()
            if i.email == email and i.is_pending and now < i.expires_at
        ]
        return sorted(found, key=lambda i: (i.created_at, i.id), reverse=True)

    def drop_for_user(self, user_id: UUID, email: str) -> int:
        doomed = [
            i.id
            for i in self._store.invites.values()
            if i.email == email
            or i.accepted_by == user_id
            or (i.created_by == user_id and i.accepted_at is None)
        ]
        for invite_id in doomed:
            del self._store.invites[invite_id]
        return len(doomed)

    def accept(self, invite_id: UUID, user_id: UUID, now: datetime) -> bool:
        invite = self._store.invites.get(invite_id)
        if invite is None or not invite.is_pending or now >= invite.expires_at:
            return False
        self._store.invites[invite_id] = attrs.evolve(invite, accepted_at=now, accepted_by=user_id)
        return True

    def revoke(self, invite_id: UUID, now: datetime) -> bool:
        invite = self._store.invites.get(invite_id)
        if invite is None or not invite.is_pending:
            return False
        self._store.invites[invite_id] = attrs.evolve(invite, revoked_at=now)
        return True

    def replace_token(self, invite_id: UUID, token_hash: str, expires_at: datetime) -> bool:
        invite = self._store.invites.get(invite_id)
        if invite is None or not invite.is_pending:
            return False
        self._store.invites[invite_id] = attrs.evolve(
            invite, token_hash=token_hash, expires_at=expires_at
        )
        return True
