"""Email verification and password reset: one-time tokens handed out through events,
single use, expiring, for one purpose only; the reset request reveals nothing."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from taskflow import (
    AccountLocked,
    InvalidCredentials,
    InvalidInput,
    TaskFlow,
    TaskflowError,
    TokenRevoked,
    UserNotFound,
    VerificationTokenInvalid,
)
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import USER_PASSWORD_RESET, USER_VERIFY_EMAIL
from taskflow.services.read_models import AuthResult
from taskflow.testing import FakeClock

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new password"
EMAIL = "sara@example.com"


@pytest.fixture
def sara(tf: TaskFlow) -> AuthResult:
    return tf.auth.signup(email=EMAIL, password=PASSWORD, name="Sara")


def verification_token(tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult) -> str:
    tf.auth.request_email_verification(sara.user.id)
    token: str = events.named(USER_VERIFY_EMAIL)[-1].payload["token"]
    return token


def reset_token(tf: TaskFlow, events: RecordingEventPublisher, email: str = EMAIL) -> str:
    tf.auth.request_password_reset(email=email)
    token: str = events.named(USER_PASSWORD_RESET)[-1].payload["token"]
    return token


# --- email verification ---------------------------------------------------------------


def test_verification_event_carries_user_email_and_token(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    tf.auth.request_email_verification(sara.user.id)
    (event,) = events.named(USER_VERIFY_EMAIL)
    assert set(event.payload) == {"user_id", "email", "token"}
    assert event.payload["user_id"] == str(sara.user.id)
    assert event.payload["email"] == EMAIL
    assert len(event.payload["token"]) >= 43  # 256 random bits, base64url


def test_verify_email_sets_email_verified(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    token = verification_token(tf, events, sara)
    assert tf.auth.me(sara.user.id).email_verified is False
    tf.auth.verify_email(token)
    assert tf.auth.me(sara.user.id).email_verified is True
    assert tf.auth.login(email=EMAIL, password=PASSWORD).user.email_verified is True


def test_a_verification_token_works_once(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    token = verification_token(tf, events, sara)
    tf.auth.verify_email(token)
    with pytest.raises(VerificationTokenInvalid) as caught:
        tf.auth.verify_email(token)
    assert caught.value.status == 410


def test_a_verification_token_expires(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult, clock: FakeClock
) -> None:
    token = verification_token(tf, events, sara)
    clock.advance(tf.auth_config.email_verification_ttl)
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.verify_email(token)
    assert tf.auth.me(sara.user.id).email_verified is False


def test_a_verification_token_works_until_it_expires(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult, clock: FakeClock
) -> None:
    token = verification_token(tf, events, sara)
    clock.advance(tf.auth_config.email_verification_ttl - timedelta(seconds=1))
    tf.auth.verify_email(token)
    assert tf.auth.me(sara.user.id).email_verified is True


def test_each_request_makes_a_new_random_token(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    tokens = {verification_token(tf, events, sara) for _ in range(3)}
    assert len(tokens) == 3


def test_no_link_is_sent_to_a_verified_email(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    tf.auth.verify_email(verification_token(tf, events, sara))
    tf.auth.request_email_verification(sara.user.id)
    assert len(events.named(USER_VERIFY_EMAIL)) == 1


def test_verification_for_an_unknown_user(tf: TaskFlow) -> None:
    with pytest.raises(UserNotFound):
        tf.auth.request_email_verification(uuid4())


@pytest.mark.parametrize("token", ["", "made-up-token", "x" * 10_000])
def test_unknown_verification_tokens_are_invalid(
    tf: TaskFlow, sara: AuthResult, token: str
) -> None:
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.verify_email(token)


def test_a_reset_token_does_not_verify_an_email(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.verify_email(reset_token(tf, events))
    assert tf.auth.me(sara.user.id).email_verified is False


# --- password reset: the request ------------------------------------------------------


def test_reset_request_answers_the_same_for_unknown_emails(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    tf.auth.request_password_reset(email="nobody@example.com")  # no error: nothing to tell
    assert events.named(USER_PASSWORD_RESET) == []
    tf.auth.request_password_reset(email=EMAIL)
    (event,) = events.named(USER_PASSWORD_RESET)
    assert event.payload["user_id"] == str(sara.user.id)
    assert event.payload["email"] == EMAIL
    assert len(event.payload["token"]) >= 43


def test_reset_request_email_is_case_insensitive(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    tf.auth.request_password_reset(email="SARA@Example.com")
    assert events.named(USER_PASSWORD_RESET)[-1].payload["email"] == EMAIL


def test_reset_request_with_a_malformed_email_is_invalid_input(tf: TaskFlow) -> None:
    with pytest.raises(InvalidInput):
        tf.auth.request_password_reset(email="not an email")


# --- password reset: confirming -------------------------------------------------------


def test_reset_sets_the_new_password(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    tf.auth.reset_password(reset_token(tf, events), new_password=NEW_PASSWORD)
    assert tf.auth.login(email=EMAIL, password=NEW_PASSWORD).user.id == sara.user.id
    with pytest.raises(InvalidCredentials):
        tf.auth.login(email=EMAIL, password=PASSWORD)


def test_reset_revokes_every_session(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    other = tf.auth.login(email=EMAIL, password=PASSWORD)
    tf.auth.reset_password(reset_token(tf, events), new_password=NEW_PASSWORD)
    for result in (sara, other):
        with pytest.raises(TokenRevoked):
            tf.auth.validate_token(result.token)
        with pytest.raises(TokenRevoked):
            tf.auth.refresh(result.refresh_token)
    assert tf.auth.list_sessions(sara.user.id) == []


def test_a_reset_token_works_once(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    token = reset_token(tf, events)
    tf.auth.reset_password(token, new_password=NEW_PASSWORD)
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.reset_password(token, new_password="yet another password")
    assert tf.auth.login(email=EMAIL, password=NEW_PASSWORD).user.id == sara.user.id


def test_a_reset_spends_the_other_reset_tokens(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    older = reset_token(tf, events)
    newer = reset_token(tf, events)
    tf.auth.reset_password(newer, new_password=NEW_PASSWORD)
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.reset_password(older, new_password="attacker's password")
    assert tf.auth.login(email=EMAIL, password=NEW_PASSWORD).user.id == sara.user.id


def test_a_reset_token_expires(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult, clock: FakeClock
) -> None:
    token = reset_token(tf, events)
    clock.advance(tf.auth_config.password_reset_ttl)
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.reset_password(token, new_password=NEW_PASSWORD)
    assert tf.auth.login(email=EMAIL, password=PASSWORD).user.id == sara.user.id


def test_a_bad_new_password_leaves_the_token_unspent(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    token = reset_token(tf, events)
    with pytest.raises(InvalidInput) as caught:
        tf.auth.reset_password(token, new_password="short")
    assert [e["field"] for e in caught.value.errors] == ["new_password"]
    tf.auth.reset_password(token, new_password=NEW_PASSWORD)
    assert tf.auth.login(email=EMAIL, password=NEW_PASSWORD).user.id == sara.user.id


def test_a_verification_token_does_not_reset_a_password(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    token = verification_token(tf, events, sara)
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.reset_password(token, new_password=NEW_PASSWORD)
    # and it still verifies the email: the failed reset did not spend it
    tf.auth.verify_email(token)


@pytest.mark.parametrize("token", ["", "made-up-token"])
def test_unknown_reset_tokens_are_invalid(tf: TaskFlow, sara: AuthResult, token: str) -> None:
    with pytest.raises(VerificationTokenInvalid):
        tf.auth.reset_password(token, new_password=NEW_PASSWORD)


def test_reset_lifts_a_lockout(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            tf.auth.login(email=EMAIL, password="wrong password!")
    with pytest.raises(AccountLocked):
        tf.auth.login(email=EMAIL, password=PASSWORD)
    tf.auth.reset_password(reset_token(tf, events), new_password=NEW_PASSWORD)
    assert tf.auth.login(email=EMAIL, password=NEW_PASSWORD).user.id == sara.user.id


# --- no secret in any message ---------------------------------------------------------


def test_error_messages_hold_no_token_or_password(
    tf: TaskFlow, events: RecordingEventPublisher, sara: AuthResult
) -> None:
    token = reset_token(tf, events)
    tf.auth.reset_password(token, new_password=NEW_PASSWORD)
    errors: list[TaskflowError] = []
    with pytest.raises(VerificationTokenInvalid) as used:
        tf.auth.reset_password(token, new_password="another secret pass")
    errors.append(used.value)
    with pytest.raises(InvalidInput) as bad_password:
        tf.auth.reset_password(token, new_password="sEcr3t!")
    errors.append(bad_password.value)
    with pytest.raises(InvalidCredentials) as wrong:
        tf.auth.login(email=EMAIL, password="my-guess-Zebra-42")
    errors.append(wrong.value)
    with pytest.raises(InvalidInput) as too_long:
        tf.auth.signup(email="x@example.com", password="Q" * 129, name="X")
    errors.append(too_long.value)
    for error in errors:
        text = f"{error} {error!r} {error.to_dict()}"
        for secret in (
            token,
            NEW_PASSWORD,
            PASSWORD,
            "another secret pass",
            "sEcr3t!",
            "my-guess-Zebra-42",
            "Q" * 129,
        ):
            assert secret not in text
