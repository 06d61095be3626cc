"""Email change: asked with the password, confirmed by a link sent to the NEW address,
the OLD address told with a link that undoes it for a while; other sessions end; the
unique constraint decides races; invites to the new address become the user's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from taskflow import (
    EmailAlreadyExists,
    InvalidCredentials,
    InvalidInput,
    TaskFlow,
    TokenRevoked,
    VerificationTokenInvalid,
)
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import (
    INVITE_CREATED,
    USER_EMAIL_CHANGE_REQUESTED,
    USER_EMAIL_CHANGE_UNDONE,
    USER_EMAIL_CHANGED,
)
from taskflow.services.read_models import AuthResult
from taskflow.testing import FakeClock, drain, one_time_token

PASSWORD = "correct horse battery staple"
OLD = "sara@example.com"
NEW = "sara.new@example.com"


@pytest.fixture
def sara(tf: TaskFlow) -> AuthResult:
    result = tf.auth.signup(email=OLD, password=PASSWORD, name="Sara", language="en")
    drain(tf)  # the welcome mail
    return result


def ask(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult, new_email: str = NEW
) -> str:
    tf.auth.request_email_change(
        sara.user.id, password=PASSWORD, new_email=new_email, session_id=sara.session_id
    )
    token: str = one_time_token(tf, events.named(USER_EMAIL_CHANGE_REQUESTED)[-1])
    return token


def changed(tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult) -> str:
    """Ask and confirm; returns the undo token mailed to the old address."""
    tf.auth.confirm_email_change(ask(tf, events, sara))
    token: str = one_time_token(tf, events.named(USER_EMAIL_CHANGED)[-1])
    return token


def test_the_request_mails_the_new_address_and_changes_nothing_yet(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    ask(tf, events, sara, new_email="  Sara.New@Example.COM ")
    (event,) = events.named(USER_EMAIL_CHANGE_REQUESTED)
    assert set(event.payload) == {"user_id", "email", "sealed_token"}
    assert event.payload["email"] == NEW  # normalised
    assert tf.auth.me(sara.user.id).email == OLD
    mails = drain(tf).mails
    assert [(m.type, m.to) for m in mails] == [("user.email_change", NEW)]
    assert mails[0].token == one_time_token(tf, event)
    assert mails[0].links[0].startswith("http://localhost:8000/email-change/confirm?token=")


def test_confirming_moves_the_account_and_tells_the_old_address(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    token = ask(tf, events, sara)
    drain(tf)
    tf.auth.confirm_email_change(token)
    me = tf.auth.me(sara.user.id)
    assert (me.email, me.email_verified) == (NEW, True)
    assert tf.auth.login(email=NEW, password=PASSWORD).user.id == sara.user.id
    with pytest.raises(InvalidCredentials):
        tf.auth.login(email=OLD, password=PASSWORD)
    (event,) = events.named(USER_EMAIL_CHANGED)
    assert (event.payload["email"], event.payload["new_email"]) == (OLD, NEW)
    mails = drain(tf).mails
    assert [(m.type, m.to) for m in mails] == [("user.email_changed", OLD)]
    assert NEW in mails[0].text
    assert mails[0].links[0].startswith("http://localhost:8000/email-change/undo?token=")


def test_confirming_ends_the_other_sessions_but_not_the_askers(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    other = tf.auth.login(email=OLD, password=PASSWORD)
    changed(tf, events, sara)
    tf.auth.validate_token(sara.token)
    with pytest.raises(TokenRevoked):
        tf.auth.validate_token(other.token)


def test_a_confirmation_link_works_once_and_expires(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult, clock: FakeClock
) -> None:
    token = ask(tf, events, sara)
    tf.auth.confirm_email_change(token)
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.confirm_email_change(token)
    late = ask(tf, events, sara, new_email="third@example.com")
    clock.advance(timedelta(days=2, seconds=1))
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.confirm_email_change(late)
    assert tf.auth.me(sara.user.id).email == NEW


def test_a_newer_request_cancels_the_older_one(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    first = ask(tf, events, sara, new_email="first@example.com")
    second = ask(tf, events, sara, new_email="second@example.com")
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.confirm_email_change(first)
    tf.auth.confirm_email_change(second)
    assert tf.auth.me(sara.user.id).email == "second@example.com"


@pytest.mark.parametrize("token", ["", "x" * 300, "not-a-token"])
def test_unknown_tokens_are_refused(tf: TaskFlow, token: str) -> None:
    with pytest.raises((VerificationTokenInvalid, InvalidInput)):
        tf.auth.confirm_email_change(token)
    with pytest.raises((VerificationTokenInvalid, InvalidInput)):
        tf.auth.undo_email_change(token)


def test_the_request_needs_the_password(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    with pytest.raises(InvalidCredentials):
        tf.auth.request_email_change(sara.user.id, password="wrong password", new_email=NEW)
    assert events.named(USER_EMAIL_CHANGE_REQUESTED) == []


@pytest.mark.parametrize("new_email", ["not an address", OLD, "SARA@example.com", "a@b.invalid"])
def test_bad_or_same_addresses_are_refused(tf: TaskFlow, sara: AuthResult, new_email: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.auth.request_email_change(sara.user.id, password=PASSWORD, new_email=new_email)
    assert [error["field"] for error in caught.value.errors] == ["new_email"]


def test_an_address_with_an_account_is_refused(tf: TaskFlow, sara: AuthResult) -> None:
    tf.auth.signup(email=NEW, password=PASSWORD, name="Taken")
    with pytest.raises(EmailAlreadyExists) as caught:
        tf.auth.request_email_change(sara.user.id, password=PASSWORD, new_email=NEW)
    assert caught.value.status == 409


def test_the_unique_constraint_decides_a_race_for_one_address(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    omid = tf.auth.signup(email="omid@example.com", password=PASSWORD, name="Omid")
    sara_token = ask(tf, events, sara)
    omid_token = ask(tf, events, omid)
    tf.auth.confirm_email_change(omid_token)
    with pytest.raises(EmailAlreadyExists) as caught:
        tf.auth.confirm_email_change(sara_token)
    assert caught.value.status == 409
    assert tf.auth.me(sara.user.id).email == OLD
    assert tf.auth.me(omid.user.id).email == NEW
    # Nothing of the losing confirmation was kept: its link is still unspent, and fails
    # the same way again.
    with pytest.raises(EmailAlreadyExists):
        tf.auth.confirm_email_change(sara_token)


def test_a_signup_with_the_new_address_meanwhile_wins(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    token = ask(tf, events, sara)
    tf.auth.signup(email=NEW, password=PASSWORD, name="Faster")
    with pytest.raises(EmailAlreadyExists):
        tf.auth.confirm_email_change(token)
    assert tf.auth.me(sara.user.id).email == OLD


def test_undo_puts_the_old_address_back_and_logs_everyone_out(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    undo = changed(tf, events, sara)
    intruder = tf.auth.login(email=NEW, password=PASSWORD)
    tf.auth.undo_email_change(undo)
    assert tf.auth.me(sara.user.id).email == OLD
    assert len(events.named(USER_EMAIL_CHANGE_UNDONE)) == 1
    for session in (sara, intruder):
        with pytest.raises(TokenRevoked):
            tf.auth.validate_token(session.token)
    assert tf.auth.login(email=OLD, password=PASSWORD).user.id == sara.user.id
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.undo_email_change(undo)  # once


def test_undo_expires(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult, clock: FakeClock
) -> None:
    undo = changed(tf, events, sara)
    clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.undo_email_change(undo)
    assert tf.auth.me(sara.user.id).email == NEW


def test_undo_cancels_a_pending_request(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    undo = changed(tf, events, sara)
    pending = ask(tf, events, sara, new_email="intruder@example.com")
    tf.auth.undo_email_change(undo)
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.confirm_email_change(pending)
    assert tf.auth.me(sara.user.id).email == OLD


def test_undo_refused_when_the_old_address_was_taken_meanwhile(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    undo = changed(tf, events, sara)
    tf.auth.signup(email=OLD, password=PASSWORD, name="Newcomer")
    with pytest.raises(EmailAlreadyExists):
        tf.auth.undo_email_change(undo)
    assert tf.auth.me(sara.user.id).email == NEW


def test_invites_to_the_new_address_become_the_users(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")
    team = tf.teams.create(owner.user.id, name="Design")
    tf.invites.create(owner.user.id, team.id, email=NEW)
    invite_token = one_time_token(tf, events.named(INVITE_CREATED)[-1])
    assert tf.invites.list_mine(sara.user.id) == []
    changed(tf, events, sara)
    (waiting,) = tf.invites.list_mine(sara.user.id)
    assert (waiting.team_id, waiting.email) == (team.id, NEW)
    assert tf.invites.accept(sara.user.id, token=invite_token).id == team.id
    assert tf.invites.list_mine(sara.user.id) == []
