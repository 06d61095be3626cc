"""The repository methods of issue 18 (profile, email change, erasure), held to their
port's contract on every backend: conditional writes take effect only while the row
still matches, and the erasure's deletes take exactly what they name."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from builders import NOW, a_membership, a_team, a_user, an_invite

from ports_under_test import StorageUnderTest
from taskflow.domain.models import EmailChange, Role
from taskflow.errors import EmailAlreadyExists
from taskflow.ids import new_id
from taskflow.services.auth.erasure import erased_stand_in

LATER = NOW + timedelta(hours=1)


def test_an_email_changes_only_from_the_expected_one_and_never_to_a_taken_one(
    storage: StorageUnderTest,
) -> None:
    sara, ali = a_user("sara@example.com"), a_user("ali@example.com")
    with storage.uow_factory() as uow:
        uow.users.add(sara)
        uow.users.add(ali)
        uow.commit()
    with storage.uow_factory() as uow:
        assert not uow.users.change_email(sara.id, "x@example.com", LATER, expected="old@x.com")
        with pytest.raises(EmailAlreadyExists):
            uow.users.change_email(sara.id, "ali@example.com", LATER, expected=sara.email)
        # The violation was contained: the unit goes on.
        assert uow.users.change_email(sara.id, "new@example.com", LATER, expected=sara.email)
        assert uow.users.change_email(ali.id, "ali2@example.com", LATER, expected=None)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        stored = uow.users.get(sara.id)
        assert stored is not None
        assert (stored.email, stored.email_verified, stored.updated_at) == (
            "new@example.com",
            True,
            LATER,
        )
        assert stored.name == sara.name


def test_the_name_and_the_password_hash_change_alone(storage: StorageUnderTest) -> None:
    sara = a_user("sara@example.com")
    with storage.uow_factory() as uow:
        uow.users.add(sara)
        uow.commit()
    with storage.uow_factory() as uow:
        uow.users.set_name(sara.id, "سارا", LATER)
        assert not uow.users.set_password_hash(sara.id, "h2", LATER, expected="not it")
        assert uow.users.set_password_hash(sara.id, "h2", LATER, expected=sara.password_hash)
        assert uow.users.set_password_hash(sara.id, "h3", LATER, expected=None)
        uow.users.mark_verified(sara.id, "other@example.com", LATER)  # not its address
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        stored = uow.users.get(sara.id)
    assert stored is not None
    assert (stored.name, stored.password_hash, stored.email) == ("سارا", "h3", sara.email)
    assert stored.email_verified is False
    with storage.uow_factory() as uow:
        uow.users.mark_verified(sara.id, sara.email, LATER)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        verified = uow.users.get(sara.id)
    assert verified is not None
    assert verified.email_verified is True


def test_deletion_is_scheduled_cancelled_and_erased_only_while_due(
    storage: StorageUnderTest,
) -> None:
    sara, ali = a_user("sara@example.com"), a_user("ali@example.com")
    due = NOW + timedelta(days=7)
    with storage.uow_factory() as uow:
        uow.users.add(sara)
        uow.users.add(ali)
        assert uow.users.set_deletion_due(sara.id, due, NOW)
        assert uow.users.set_deletion_due(ali.id, due - timedelta(days=1), NOW)
        assert uow.users.set_deletion_due(ali.id, None, NOW)
        assert not uow.users.set_deletion_due(ali.id, None, NOW)  # nothing to cancel
        uow.commit()
    with storage.uow_factory() as uow:
        assert uow.users.due_for_erasure(due - timedelta(seconds=1), 10) == []
        assert uow.users.due_for_erasure(due, 10) == [sara.id]
        stored = uow.users.get(sara.id)
        assert stored is not None
        assert stored.deletion_due_at == due
        assert not uow.users.erase(erased_stand_in(stored, NOW), NOW)  # not due yet
        assert not uow.users.erase(erased_stand_in(ali, due), due)  # never asked
        assert uow.users.erase(erased_stand_in(stored, due), due)
        assert not uow.users.erase(erased_stand_in(stored, due), due)  # once
        assert not uow.users.set_deletion_due(sara.id, due, due)  # erased: no more
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        erased = uow.users.get(sara.id)
        assert uow.users.due_for_erasure(due + timedelta(days=1), 10) == []
        assert uow.users.get_by_email(sara.email) is None
    assert erased is not None
    assert erased.is_erased
    assert (erased.erased_at, erased.deletion_due_at) == (due, None)


def _a_change(user_id: object, **changes: object) -> EmailChange:
    values: dict[str, object] = {
        "id": new_id(),
        "user_id": user_id,
        "old_email": "sara@example.com",
        "new_email": "new@example.com",
        "token_hash": new_id().hex + new_id().hex,
        "created_at": NOW,
        "expires_at": NOW + timedelta(days=2),
        "session_id": new_id(),
    }
    values.update(changes)
    return EmailChange(**values)  # type: ignore[arg-type]


def test_an_email_change_is_confirmed_once_and_undone_once(storage: StorageUnderTest) -> None:
    sara = a_user("sara@example.com")
    change, stale, expired = _a_change(sara.id), _a_change(sara.id), _a_change(sara.id)
    expired = attrs.evolve(expired, expires_at=NOW)
    with storage.uow_factory() as uow:
        uow.users.add(sara)
        uow.email_changes.add(stale)
        assert uow.email_changes.cancel_pending(sara.id, NOW) == 1
        uow.email_changes.add(change)
        uow.email_changes.add(expired)
        uow.commit()
    undo_until = LATER + timedelta(days=7)
    with storage.uow_factory() as uow:
        assert uow.email_changes.get_by_token_hash(change.token_hash) == change
        assert not uow.email_changes.confirm(stale.id, "u0" * 32, undo_until, LATER)
        assert not uow.email_changes.confirm(expired.id, "u1" * 32, undo_until, LATER)
        assert not uow.email_changes.undo(change.id, LATER)  # not confirmed yet
        assert uow.email_changes.confirm(change.id, "u2" * 32, undo_until, LATER)
        assert not uow.email_changes.confirm(change.id, "u3" * 32, undo_until, LATER)
        uow.commit()
    with storage.uow_factory() as uow:
        confirmed = uow.email_changes.get_by_undo_token_hash("u2" * 32)
        assert confirmed is not None
        assert (confirmed.id, confirmed.confirmed_at, confirmed.undo_expires_at) == (
            change.id,
            LATER,
            undo_until,
        )
        assert confirmed.session_id == change.session_id
        assert not uow.email_changes.undo(change.id, undo_until)  # expired
        assert uow.email_changes.undo(change.id, LATER)
        assert not uow.email_changes.undo(change.id, LATER)
        assert uow.email_changes.delete_for_user(sara.id) == 3
        assert uow.email_changes.get_by_token_hash(change.token_hash) is None
        uow.commit()


def test_the_erasures_deletes_take_exactly_what_they_name(storage: StorageUnderTest) -> None:
    owner, sara, ali = a_user("owner@example.com"), a_user("sara@x.com"), a_user("ali@x.com")
    team = a_team(owner.id)
    to_sara = an_invite(team.id, owner.id, email="sara@x.com")
    accepted_by_sara = an_invite(
        team.id, owner.id, email="sara.old@x.com", accepted_at=NOW, accepted_by=sara.id
    )
    pending_from_sara = an_invite(team.id, sara.id, email="friend@x.com")
    accepted_from_sara = an_invite(
        team.id, sara.id, email="ali@x.com", accepted_at=NOW, accepted_by=ali.id
    )
    to_someone_else = an_invite(team.id, owner.id, email="other@x.com")
    with storage.uow_factory() as uow:
        for user in (owner, sara, ali):
            uow.users.add(user)
        uow.teams.add(team)
        uow.members.add(a_membership(team.id, owner.id, Role.OWNER))
        for invite in (
            to_sara,
            accepted_by_sara,
            pending_from_sara,
            accepted_from_sara,
            to_someone_else,
        ):
            uow.invites.add(invite)
        uow.commit()
    with storage.uow_factory() as uow:
        assert [i.id for i in uow.invites.list_pending_for_email("sara@x.com", NOW)] == [to_sara.id]
        assert uow.invites.drop_for_user(sara.id, "sara@x.com") == 3
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        left = {
            invite_id
            for invite_id in (
                to_sara.id,
                accepted_by_sara.id,
                pending_from_sara.id,
                accepted_from_sara.id,
                to_someone_else.id,
            )
            if uow.invites.get(invite_id) is not None
        }
    assert left == {accepted_from_sara.id, to_someone_else.id}
