"""Invites: create, accept (once, by the right person), list, revoke, re-send; the token
is shown once and stored as a hash; events only after a commit."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import attrs
import pytest

from taskflow import (
    AlreadyTeamMember,
    InvalidInput,
    InviteAlreadyUsed,
    InviteEmailMismatch,
    InviteExpired,
    InviteNotFound,
    InviteRevoked,
    NotTeamMember,
    PermissionDenied,
    RateLimited,
    Role,
    TaskFlow,
    TaskflowError,
    TeamNotFound,
    TeamSummary,
)
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.config import InviteConfig
from taskflow.events import INVITE_CREATED
from taskflow.ids import new_id
from taskflow.services.invites import InviteService
from taskflow.services.read_models import InviteInfo
from taskflow.testing import FakeClock, one_time_token

MakeUser = Callable[..., UUID]
AddMember = Callable[..., UUID]


@pytest.fixture
def owner(make_user: MakeUser) -> UUID:
    return make_user(email="owner@example.com", name="Owner")


@pytest.fixture
def team(tf: TaskFlow, owner: UUID) -> TeamSummary:
    return tf.teams.create(owner, name="تیم من")


@pytest.fixture
def invitee(make_user: MakeUser) -> UUID:
    return make_user(email="sara@example.com", name="سارا احمدی")


def last_invite_event(events: RecordingEventPublisher) -> dict[str, Any]:
    return events.named(INVITE_CREATED)[-1].payload


def last_token(tf: TaskFlow, events: RecordingEventPublisher) -> str:
    return one_time_token(tf, events.named(INVITE_CREATED)[-1])


def members_of(tf: TaskFlow, team: TeamSummary, viewer: UUID) -> dict[UUID, Role]:
    return {m.user_id: m.role for m in tf.teams.list_members(viewer, team.id)}


# --- create -----------------------------------------------------------------------------


def test_an_invite_is_created_and_announced_with_its_token(
    tf: TaskFlow, owner: UUID, team: TeamSummary, events: RecordingEventPublisher, clock: FakeClock
) -> None:
    invite = tf.invites.create(owner, team.id, email="Sara@Example.COM", role="admin")

    assert invite == InviteInfo(
        id=invite.id,
        team_id=team.id,
        email="sara@example.com",
        role=Role.ADMIN,
        expires_at=clock.now() + timedelta(days=7),
        created_by=owner,
        created_at=clock.now(),
    )
    [event] = events.named(INVITE_CREATED)
    sealed_token = event.payload["sealed_token"]
    token = one_time_token(tf, event)
    assert token not in str(event.payload)
    assert event.payload == {
        "invite_id": str(invite.id),
        "email": "sara@example.com",
        "team_name": "تیم من",
        "sealed_token": sealed_token,
        "team_id": str(team.id),
        "role": "admin",
        "invited_by": str(owner),
    }
    assert event.occurred_at == clock.now()


def test_the_default_role_is_member(tf: TaskFlow, owner: UUID, team: TeamSummary) -> None:
    assert tf.invites.create(owner, team.id, email="a@example.com").role is Role.MEMBER


def test_the_token_has_256_random_bits_and_only_its_hash_is_stored(
    tf: TaskFlow, owner: UUID, team: TeamSummary, events: RecordingEventPublisher
) -> None:
    first = tf.invites.create(owner, team.id, email="a@example.com")
    first_token = last_token(tf, events)
    tf.invites.create(owner, team.id, email="b@example.com")
    second_token = last_token(tf, events)

    assert first_token != second_token
    assert len(first_token) >= 43  # token_urlsafe(32): 32 bytes, base64 without padding
    with tf.uow_factory(read_only=True) as uow:
        stored = uow.invites.get(first.id)
    assert stored is not None
    assert stored.token_hash == hashlib.sha256(first_token.encode()).hexdigest()
    assert first_token not in repr(stored)
    assert first_token not in str(attrs.asdict(stored))


def test_invite_info_never_exposes_the_token_or_its_hash(
    tf: TaskFlow, owner: UUID, team: TeamSummary, events: RecordingEventPublisher
) -> None:
    invite = tf.invites.create(owner, team.id, email="a@example.com")
    token = last_token(tf, events)
    token_hash = hashlib.sha256(token.encode()).hexdigest()

    names = {f.name for f in attrs.fields(InviteInfo)}
    assert names == {"id", "team_id", "email", "role", "expires_at", "created_by", "created_at"}
    for shown in (invite, *tf.invites.list_pending(owner, team.id)):
        assert token not in repr(shown)
        assert token_hash not in repr(shown)


def test_the_expiry_is_configurable(
    tf: TaskFlow, owner: UUID, team: TeamSummary, clock: FakeClock
) -> None:
    # The same storage as ``tf``, with a one-hour invite lifetime.
    invites = InviteService(
        tf.uow_factory, tf.clock, InviteConfig(ttl=timedelta(hours=1)), tf.sealer
    )

    invite = invites.create(owner, team.id, email="a@example.com")

    assert invite.expires_at == clock.now() + timedelta(hours=1)


def test_an_admin_invites_members(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember
) -> None:
    admin = add_member(team.id, owner, role="admin")

    assert tf.invites.create(admin, team.id, email="a@example.com").role is Role.MEMBER


def test_one_sender_may_send_only_so_many_invites_an_hour(
    tf: TaskFlow, owner: UUID, team: TeamSummary, clock: FakeClock
) -> None:
    """Issue 12, "also seen": anyone can create a team and have invite mail sent to any
    addresses; the sender side has a limit now, across the sender's teams."""
    config = InviteConfig(sender_limit=3, sender_window=timedelta(hours=1))
    invites = InviteService(tf.uow_factory, tf.clock, config, tf.sealer)
    other_team = tf.teams.create(owner, name="Another team")
    invites.create(owner, team.id, email="a@example.com")
    invites.create(owner, other_team.id, email="b@example.com")
    clock.advance(minutes=30)
    invites.create(owner, team.id, email="c@example.com")
    with pytest.raises(RateLimited) as caught:
        invites.create(owner, other_team.id, email="d@example.com")
    assert caught.value.status == 429
    assert caught.value.retry_after > 0
    clock.advance(minutes=31)  # the first two left the window
    assert invites.create(owner, team.id, email="d@example.com").email == "d@example.com"


@pytest.mark.parametrize("role", ["admin", Role.ADMIN])
def test_an_admin_cannot_grant_admin_through_an_invite(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    add_member: AddMember,
    events: RecordingEventPublisher,
    role: str,
) -> None:
    """Issue 12, point 7: the admin removed member M, invited M's email as an admin, and
    M accepted: M was an admin, though only the owner grants that role."""
    admin = add_member(team.id, owner, role="admin")
    member = add_member(team.id, owner)
    email = tf.auth.me(member).email
    tf.teams.remove_member(admin, team.id, member)
    invites_sent = len(events.named(INVITE_CREATED))
    with pytest.raises(PermissionDenied):
        tf.invites.create(admin, team.id, email=email, role=role)
    assert len(events.named(INVITE_CREATED)) == invites_sent
    assert tf.invites.list_pending(owner, team.id) == []


def test_the_owner_invites_admins(tf: TaskFlow, owner: UUID, team: TeamSummary) -> None:
    invite = tf.invites.create(owner, team.id, email="a@example.com", role=Role.ADMIN)
    assert invite.role is Role.ADMIN


@pytest.mark.parametrize("role", ["owner", Role.OWNER])
def test_nobody_invites_an_owner(
    tf: TaskFlow, owner: UUID, team: TeamSummary, events: RecordingEventPublisher, role: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.invites.create(owner, team.id, email="a@example.com", role=role)
    assert caught.value.errors[0]["field"] == "role"
    assert events.named(INVITE_CREATED) == []


def test_a_member_cannot_invite(
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    add_member: AddMember,
    events: RecordingEventPublisher,
) -> None:
    member = add_member(team.id, owner)
    events.clear()

    with pytest.raises(PermissionDenied):
        tf.invites.create(member, team.id, email="a@example.com")
    assert events.named(INVITE_CREATED) == []
    assert tf.invites.list_pending(owner, team.id) == []


def test_a_role_above_the_inviters_own_is_refused(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember
) -> None:
    admin = add_member(team.id, owner, role="admin")
    tf.teams.change_role(owner, team.id, admin, role="member")  # now a plain member

    with pytest.raises(PermissionDenied):
        tf.invites.create(admin, team.id, email="a@example.com", role="admin")


def test_a_non_member_cannot_invite(tf: TaskFlow, team: TeamSummary, make_user: MakeUser) -> None:
    with pytest.raises(NotTeamMember):
        tf.invites.create(make_user(), team.id, email="a@example.com")


def test_inviting_to_a_missing_team_is_not_found(tf: TaskFlow, owner: UUID) -> None:
    with pytest.raises(TeamNotFound):
        tf.invites.create(owner, new_id(), email="a@example.com")


@pytest.mark.parametrize("email", ["", "not-an-email", "a@", "@example.com", "a" * 250 + "@x.com"])
def test_the_email_must_be_valid(
    tf: TaskFlow, owner: UUID, team: TeamSummary, events: RecordingEventPublisher, email: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.invites.create(owner, team.id, email=email)
    assert caught.value.errors[0]["field"] == "email"
    assert events.named(INVITE_CREATED) == []


@pytest.mark.parametrize("email", ["owner@example.com", "OWNER@Example.com"])
def test_inviting_a_member_is_a_conflict(
    tf: TaskFlow, owner: UUID, team: TeamSummary, events: RecordingEventPublisher, email: str
) -> None:
    with pytest.raises(AlreadyTeamMember) as caught:
        tf.invites.create(owner, team.id, email=email)
    assert caught.value.status == 409
    assert events.named(INVITE_CREATED) == []
    assert tf.invites.list_pending(owner, team.id) == []


# --- accept -----------------------------------------------------------------------------


def test_accepting_joins_the_team_with_the_invited_role(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    invitee: UUID,
    events: RecordingEventPublisher,
    clock: FakeClock,
) -> None:
    tf.invites.create(owner, team.id, email="sara@example.com", role="admin")
    clock.advance(days=1)

    joined = tf.invites.accept(invitee, token=last_token(tf, events))

    assert joined == TeamSummary(id=team.id, name="تیم من", role=Role.ADMIN)
    assert members_of(tf, team, owner) == {owner: Role.OWNER, invitee: Role.ADMIN}
    assert tf.teams.list_mine(invitee) == [joined]
    assert tf.invites.list_pending(owner, team.id) == []
    [joined_member] = [m for m in tf.teams.list_members(owner, team.id) if m.user_id == invitee]
    assert joined_member.joined_at == clock.now()


def test_accepting_proves_the_mailbox(
    tf: TaskFlow, owner: UUID, team: TeamSummary, invitee: UUID, events: RecordingEventPublisher
) -> None:
    assert tf.auth.me(invitee).email_verified is False
    tf.invites.create(owner, team.id, email="sara@example.com")

    tf.invites.accept(invitee, token=last_token(tf, events))

    assert tf.auth.me(invitee).email_verified is True


def test_the_email_match_ignores_case(
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    make_user: MakeUser,
    events: RecordingEventPublisher,
) -> None:
    user = make_user(email="Mixed.Case@Example.com")
    tf.invites.create(owner, team.id, email="MIXED.case@example.COM")

    assert tf.invites.accept(user, token=last_token(tf, events)).id == team.id


def test_someone_else_cannot_use_the_invite(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    invitee: UUID,
    make_user: MakeUser,
    events: RecordingEventPublisher,
) -> None:
    intruder = make_user(email="intruder@example.com")
    tf.invites.create(owner, team.id, email="sara@example.com")
    token = last_token(tf, events)

    with pytest.raises(InviteEmailMismatch) as caught:
        tf.invites.accept(intruder, token=token)
    assert caught.value.status == 403
    assert intruder not in members_of(tf, team, owner)
    assert tf.auth.me(intruder).email_verified is False
    # The invite is still good for the person it was sent to.
    assert tf.invites.accept(invitee, token=token).id == team.id


def test_an_invite_is_used_once(
    tf: TaskFlow, owner: UUID, team: TeamSummary, invitee: UUID, events: RecordingEventPublisher
) -> None:
    tf.invites.create(owner, team.id, email="sara@example.com")
    token = last_token(tf, events)
    tf.invites.accept(invitee, token=token)
    tf.teams.remove_member(owner, team.id, invitee)  # so only the used token stands in the way

    with pytest.raises(InviteAlreadyUsed):
        tf.invites.accept(invitee, token=token)
    assert invitee not in members_of(tf, team, owner)


def test_an_expired_invite_cannot_be_accepted(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    invitee: UUID,
    events: RecordingEventPublisher,
    clock: FakeClock,
) -> None:
    tf.invites.create(owner, team.id, email="sara@example.com")
    token = last_token(tf, events)
    clock.advance(days=7)

    with pytest.raises(InviteExpired):
        tf.invites.accept(invitee, token=token)
    assert invitee not in members_of(tf, team, owner)


def test_an_invite_works_until_just_before_it_expires(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    invitee: UUID,
    events: RecordingEventPublisher,
    clock: FakeClock,
) -> None:
    tf.invites.create(owner, team.id, email="sara@example.com")
    clock.advance(timedelta(days=7) - timedelta(seconds=1))

    assert tf.invites.accept(invitee, token=last_token(tf, events)).id == team.id


def test_a_revoked_invite_cannot_be_accepted(
    tf: TaskFlow, owner: UUID, team: TeamSummary, invitee: UUID, events: RecordingEventPublisher
) -> None:
    invite = tf.invites.create(owner, team.id, email="sara@example.com")
    token = last_token(tf, events)
    tf.invites.revoke(owner, invite.id)

    with pytest.raises(InviteRevoked):
        tf.invites.accept(invitee, token=token)
    assert invitee not in members_of(tf, team, owner)


@pytest.mark.parametrize("token", ["unknown-token", "x" * 256])
def test_an_unknown_token_is_not_found(tf: TaskFlow, invitee: UUID, token: str) -> None:
    with pytest.raises(InviteNotFound):
        tf.invites.accept(invitee, token=token)


@pytest.mark.parametrize("token", ["", "x" * 257])
def test_a_malformed_token_is_invalid_input(tf: TaskFlow, invitee: UUID, token: str) -> None:
    with pytest.raises(InvalidInput):
        tf.invites.accept(invitee, token=token)


def test_each_failure_has_its_own_error(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    invitee: UUID,
    make_user: MakeUser,
    events: RecordingEventPublisher,
    clock: FakeClock,
) -> None:
    stranger = make_user(email="stranger@example.com")
    revoked = tf.invites.create(owner, team.id, email="sara@example.com")
    revoked_token = last_token(tf, events)
    tf.invites.revoke(owner, revoked.id)
    tf.invites.create(owner, team.id, email="sara@example.com")
    expired_token = last_token(tf, events)
    clock.advance(days=8)
    tf.invites.create(owner, team.id, email="sara@example.com")
    good_token = last_token(tf, events)
    tf.invites.accept(invitee, token=good_token)

    codes = set()
    for actor, token in [
        (invitee, revoked_token),
        (invitee, expired_token),
        (invitee, good_token),
        (invitee, "no-such-token"),
        (stranger, good_token),
    ]:
        with pytest.raises(TaskflowError) as caught:
            tf.invites.accept(actor, token=token)
        codes.add(caught.value.code)
    assert codes == {
        "invite_revoked",
        "invite_expired",
        "invite_used",
        "invite_not_found",
        "invite_email_mismatch",
    }


def test_a_member_accepting_another_invite_gets_a_conflict_not_a_second_row(
    tf: TaskFlow, owner: UUID, team: TeamSummary, invitee: UUID, events: RecordingEventPublisher
) -> None:
    tf.invites.create(owner, team.id, email="sara@example.com")
    first = last_token(tf, events)
    tf.invites.create(owner, team.id, email="sara@example.com", role="admin")
    second = last_token(tf, events)
    tf.invites.accept(invitee, token=first)

    with pytest.raises(AlreadyTeamMember) as caught:
        tf.invites.accept(invitee, token=second)

    assert caught.value.status == 409
    members = tf.teams.list_members(owner, team.id)
    assert [m.user_id for m in members].count(invitee) == 1
    assert members_of(tf, team, owner)[invitee] is Role.MEMBER
    # Nothing was committed: the second invite is still pending.
    assert [i.role for i in tf.invites.list_pending(owner, team.id)] == [Role.ADMIN]


def test_an_invitee_without_an_account_signs_up_then_accepts(
    tf: TaskFlow, owner: UUID, team: TeamSummary, events: RecordingEventPublisher
) -> None:
    invite = tf.invites.create(owner, team.id, email="newcomer@example.com")
    token = last_token(tf, events)
    assert tf.invites.list_pending(owner, team.id) == [invite]

    newcomer = tf.auth.signup(
        email="Newcomer@example.com", password="correct horse battery", name="نازنین"
    ).user.id
    joined = tf.invites.accept(newcomer, token=token)

    assert joined.role is Role.MEMBER
    assert members_of(tf, team, owner)[newcomer] is Role.MEMBER
    assert tf.auth.me(newcomer).email_verified is True


def test_concurrent_accepts_make_exactly_one_membership(
    tf: TaskFlow, owner: UUID, team: TeamSummary, invitee: UUID, events: RecordingEventPublisher
) -> None:
    tf.invites.create(owner, team.id, email="sara@example.com")
    token = last_token(tf, events)
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    outcomes: list[object] = []
    outcomes_lock = threading.Lock()

    def accept() -> None:
        barrier.wait()
        try:
            result: object = tf.invites.accept(invitee, token=token)
        except TaskflowError as exc:
            result = exc
        with outcomes_lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(outcomes) == threads_count
    successes = [o for o in outcomes if isinstance(o, TeamSummary)]
    failures = [o for o in outcomes if not isinstance(o, TeamSummary)]
    assert len(successes) == 1
    assert all(isinstance(f, InviteAlreadyUsed) for f in failures), failures
    assert [m.user_id for m in tf.teams.list_members(owner, team.id)].count(invitee) == 1


# --- list, revoke, re-send --------------------------------------------------------------


def test_list_pending_shows_open_invites_newest_first(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    invitee: UUID,
    events: RecordingEventPublisher,
    clock: FakeClock,
) -> None:
    accepted = tf.invites.create(owner, team.id, email="sara@example.com")
    tf.invites.accept(invitee, token=last_token(tf, events))
    revoked = tf.invites.create(owner, team.id, email="gone@example.com")
    tf.invites.revoke(owner, revoked.id)
    expiring = tf.invites.create(owner, team.id, email="late@example.com")
    clock.advance(days=3)
    older = tf.invites.create(owner, team.id, email="b@example.com")
    clock.advance(minutes=1)
    newer = tf.invites.create(owner, team.id, email="c@example.com")
    other_team = tf.teams.create(owner, name="Other")
    tf.invites.create(owner, other_team.id, email="d@example.com")

    assert tf.invites.list_pending(owner, team.id) == [newer, older, expiring]
    clock.advance(days=4)  # `expiring` is now 7 days old
    assert tf.invites.list_pending(owner, team.id) == [newer, older]
    assert accepted not in tf.invites.list_pending(owner, team.id)


def test_admins_list_pending_invites_but_members_do_not(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember, make_user: MakeUser
) -> None:
    admin = add_member(team.id, owner, role="admin")
    member = add_member(team.id, owner)
    invite = tf.invites.create(owner, team.id, email="a@example.com")

    assert tf.invites.list_pending(admin, team.id) == [invite]
    with pytest.raises(PermissionDenied):
        tf.invites.list_pending(member, team.id)
    with pytest.raises(NotTeamMember):
        tf.invites.list_pending(make_user(), team.id)
    with pytest.raises(TeamNotFound):
        tf.invites.list_pending(owner, new_id())


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_the_owner_and_admins_revoke(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    add_member: AddMember,
    invitee: UUID,
    events: RecordingEventPublisher,
    role: str,
) -> None:
    actor = owner if role == "owner" else add_member(team.id, owner, role="admin")
    invite = tf.invites.create(owner, team.id, email="sara@example.com")
    token = last_token(tf, events)

    tf.invites.revoke(actor, invite.id)

    assert tf.invites.list_pending(owner, team.id) == []
    with pytest.raises(InviteRevoked):
        tf.invites.accept(invitee, token=token)


def test_revoking_twice_changes_nothing(tf: TaskFlow, owner: UUID, team: TeamSummary) -> None:
    invite = tf.invites.create(owner, team.id, email="a@example.com")
    tf.invites.revoke(owner, invite.id)
    tf.invites.revoke(owner, invite.id)

    assert tf.invites.list_pending(owner, team.id) == []


def test_a_used_invite_cannot_be_revoked(
    tf: TaskFlow, owner: UUID, team: TeamSummary, invitee: UUID, events: RecordingEventPublisher
) -> None:
    invite = tf.invites.create(owner, team.id, email="sara@example.com")
    tf.invites.accept(invitee, token=last_token(tf, events))

    with pytest.raises(InviteAlreadyUsed):
        tf.invites.revoke(owner, invite.id)
    assert invitee in members_of(tf, team, owner)


def test_who_may_revoke(
    tf: TaskFlow, owner: UUID, team: TeamSummary, add_member: AddMember, make_user: MakeUser
) -> None:
    member = add_member(team.id, owner)
    invite = tf.invites.create(owner, team.id, email="a@example.com")

    with pytest.raises(PermissionDenied):
        tf.invites.revoke(member, invite.id)
    with pytest.raises(NotTeamMember):
        tf.invites.revoke(make_user(), invite.id)
    with pytest.raises(InviteNotFound):
        tf.invites.revoke(owner, new_id())
    assert tf.invites.list_pending(owner, team.id) == [invite]


def test_resend_makes_a_new_token_and_expiry_and_kills_the_old_token(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    invitee: UUID,
    events: RecordingEventPublisher,
    clock: FakeClock,
) -> None:
    invite = tf.invites.create(owner, team.id, email="sara@example.com")
    old_token = last_token(tf, events)
    clock.advance(days=2)

    resent = tf.invites.resend(owner, invite.id)

    new_event = last_invite_event(events)
    new_token = last_token(tf, events)
    assert len(events.named(INVITE_CREATED)) == 2
    assert new_token != old_token
    assert new_event["invite_id"] == str(invite.id)
    assert new_event["email"] == "sara@example.com"
    assert new_event["team_name"] == "تیم من"
    assert resent.id == invite.id
    assert resent.expires_at == clock.now() + timedelta(days=7)
    assert tf.invites.list_pending(owner, team.id) == [resent]
    with pytest.raises(InviteNotFound):
        tf.invites.accept(invitee, token=old_token)
    assert tf.invites.accept(invitee, token=new_token).id == team.id


def test_resend_revives_an_expired_invite(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    invitee: UUID,
    events: RecordingEventPublisher,
    clock: FakeClock,
) -> None:
    invite = tf.invites.create(owner, team.id, email="sara@example.com")
    clock.advance(days=30)

    tf.invites.resend(owner, invite.id)

    assert tf.invites.accept(invitee, token=last_token(tf, events)).id == team.id


def test_revoked_and_used_invites_cannot_be_resent(
    tf: TaskFlow, owner: UUID, team: TeamSummary, invitee: UUID, events: RecordingEventPublisher
) -> None:
    revoked = tf.invites.create(owner, team.id, email="a@example.com")
    tf.invites.revoke(owner, revoked.id)
    used = tf.invites.create(owner, team.id, email="sara@example.com")
    tf.invites.accept(invitee, token=last_token(tf, events))
    events.clear()

    with pytest.raises(InviteRevoked):
        tf.invites.resend(owner, revoked.id)
    with pytest.raises(InviteAlreadyUsed):
        tf.invites.resend(owner, used.id)
    assert events.named(INVITE_CREATED) == []


def test_who_may_resend(
    *,
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    add_member: AddMember,
    make_user: MakeUser,
    events: RecordingEventPublisher,
) -> None:
    admin = add_member(team.id, owner, role="admin")
    member = add_member(team.id, owner)
    invite = tf.invites.create(owner, team.id, email="a@example.com")
    events.clear()

    with pytest.raises(PermissionDenied):
        tf.invites.resend(member, invite.id)
    with pytest.raises(NotTeamMember):
        tf.invites.resend(make_user(), invite.id)
    with pytest.raises(InviteNotFound):
        tf.invites.resend(owner, new_id())
    assert events.named(INVITE_CREATED) == []
    assert tf.invites.resend(admin, invite.id).id == invite.id
    assert len(events.named(INVITE_CREATED)) == 1


def test_resending_to_someone_who_joined_meanwhile_is_a_conflict(
    tf: TaskFlow,
    owner: UUID,
    team: TeamSummary,
    invitee: UUID,
    events: RecordingEventPublisher,
) -> None:
    stale = tf.invites.create(owner, team.id, email="sara@example.com")
    tf.invites.create(owner, team.id, email="sara@example.com")
    tf.invites.accept(invitee, token=last_token(tf, events))
    events.clear()

    with pytest.raises(AlreadyTeamMember):
        tf.invites.resend(owner, stale.id)
    assert events.named(INVITE_CREATED) == []


# --- events only after a commit ---------------------------------------------------------


def test_a_failing_invite_publishes_nothing(
    tf: TaskFlow, owner: UUID, team: TeamSummary, events: RecordingEventPublisher
) -> None:
    events.clear()
    failures: list[Callable[[], object]] = [
        lambda: tf.invites.create(owner, team.id, email="owner@example.com"),
        lambda: tf.invites.create(owner, team.id, email="bad", role="admin"),
        lambda: tf.invites.create(owner, new_id(), email="a@example.com"),
        lambda: tf.invites.resend(owner, new_id()),
    ]
    for failure in failures:
        with pytest.raises(TaskflowError):
            failure()

    assert events.events == []
