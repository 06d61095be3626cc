"""tf.auth.signup: validation, normalisation, duplicates, the event, and signup as a login."""

from __future__ import annotations

from typing import Any

import pytest

from taskflow import EmailAlreadyExists, InvalidInput, TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import USER_SIGNUP
from taskflow.testing import FakeClock

PASSWORD = "correct horse battery staple"


def test_signup_returns_the_profile_and_a_working_login(tf: TaskFlow) -> None:
    result = tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")

    assert result.user.email == "sara@example.com"
    assert result.user.name == "Sara"
    assert result.user.email_verified is False
    assert result.user.teams == ()
    principal = tf.auth.validate_token(result.token)
    assert principal.user_id == result.user.id
    assert principal.session_id == result.session_id
    assert tf.auth.refresh(result.refresh_token).user.id == result.user.id
    assert tf.auth.me(result.user.id) == result.user


def test_signup_stamps_the_clock_time(tf: TaskFlow, clock: FakeClock) -> None:
    result = tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")
    assert result.user.created_at == clock.now()


def test_email_is_lower_cased(tf: TaskFlow) -> None:
    result = tf.auth.signup(email="Sara.Karimi@Example.COM", password=PASSWORD, name="Sara")
    assert result.user.email == "sara.karimi@example.com"
    # and the account is found whatever the case typed at login
    assert tf.auth.login(email="SARA.KARIMI@example.com", password=PASSWORD).user.id == (
        result.user.id
    )


@pytest.mark.parametrize(
    "email", ["SARA@example.com", "sara@EXAMPLE.com", "Sara@Example.Com", "sara@example.com"]
)
def test_duplicate_email_is_a_conflict_whatever_its_case(tf: TaskFlow, email: str) -> None:
    tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")
    with pytest.raises(EmailAlreadyExists) as caught:
        tf.auth.signup(email=email, password="another password 1", name="Other")
    assert caught.value.status == 409


def test_a_refused_duplicate_emits_nothing_and_keeps_the_first_account(
    tf: TaskFlow, events: RecordingEventPublisher
) -> None:
    first = tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")
    with pytest.raises(EmailAlreadyExists):
        tf.auth.signup(email="SARA@example.com", password="another password 1", name="Other")
    assert len(events.named(USER_SIGNUP)) == 1
    assert tf.auth.login(email="sara@example.com", password=PASSWORD).user.id == first.user.id


def test_persian_name_is_kept_exactly_and_trimmed(tf: TaskFlow) -> None:
    name = "علی\u200cرضا محمدی"  # noqa: RUF001 - Persian, with a zero-width non-joiner
    result = tf.auth.signup(email="ali@example.com", password=PASSWORD, name=f"  {name}\n")
    assert result.user.name == name
    assert tf.auth.me(result.user.id).name == name


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "x" * 101])
def test_bad_names_are_refused(tf: TaskFlow, name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.auth.signup(email="sara@example.com", password=PASSWORD, name=name)
    assert [e["field"] for e in caught.value.errors] == ["name"]


def test_name_of_100_characters_after_trimming_is_accepted(tf: TaskFlow) -> None:
    name = "ن" * 100
    assert tf.auth.signup(email="n@example.com", password=PASSWORD, name=f" {name} ").user.name == (
        name
    )


@pytest.mark.parametrize(
    "email", ["", "not-an-email", "a@", "@example.com", "a b@example.com", "a@b@example.com"]
)
def test_bad_emails_are_refused(tf: TaskFlow, email: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.auth.signup(email=email, password=PASSWORD, name="Sara")
    assert [e["field"] for e in caught.value.errors] == ["email"]


@pytest.mark.parametrize("password", ["", "1234567", "x" * 129])
def test_passwords_outside_8_to_128_characters_are_refused(tf: TaskFlow, password: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.auth.signup(email="sara@example.com", password=password, name="Sara")
    assert [e["field"] for e in caught.value.errors] == ["password"]


@pytest.mark.parametrize("password", ["1234567x", "xy" * 64, "گذرواژه‌ی خوب"])
def test_passwords_of_8_to_128_characters_are_accepted(tf: TaskFlow, password: str) -> None:
    tf.auth.signup(email="sara@example.com", password=password, name="Sara")
    assert tf.auth.login(email="sara@example.com", password=password).user.name == "Sara"


def test_every_bad_field_is_named_at_once(tf: TaskFlow) -> None:
    with pytest.raises(InvalidInput) as caught:
        tf.auth.signup(email="nope", password="short", name="")
    assert sorted(e["field"] for e in caught.value.errors) == ["email", "name", "password"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"email": 42, "password": PASSWORD, "name": "Sara"},
        {"email": "sara@example.com", "password": None, "name": "Sara"},
        {"email": "sara@example.com", "password": PASSWORD, "name": ["Sara"]},
    ],
)
def test_wrong_types_are_invalid_input_not_a_crash(tf: TaskFlow, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        tf.auth.signup(**kwargs)


def test_signup_emits_user_signup_with_string_ids(
    tf: TaskFlow, events: RecordingEventPublisher
) -> None:
    result = tf.auth.signup(email="Sara@Example.com", password=PASSWORD, name="Sara")
    (event,) = events.named(USER_SIGNUP)
    assert event.payload == {"user_id": str(result.user.id), "email": "sara@example.com"}


def test_refused_signup_emits_nothing(tf: TaskFlow, events: RecordingEventPublisher) -> None:
    with pytest.raises(InvalidInput):
        tf.auth.signup(email="sara@example.com", password="short", name="Sara")
    assert events.named(USER_SIGNUP) == []


def test_signup_opens_a_session(tf: TaskFlow) -> None:
    result = tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")
    assert [s.id for s in tf.auth.list_sessions(result.user.id)] == [result.session_id]


def test_the_password_is_never_in_the_result_repr(tf: TaskFlow) -> None:
    result = tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")
    text = repr(result)
    assert PASSWORD not in text
    assert result.token not in text
    assert result.refresh_token not in text


def test_spaces_around_the_email_are_dropped_at_signup_as_at_login(tf: TaskFlow) -> None:
    result = tf.auth.signup(email="  Sara@Example.com \t", password="long enough", name="Sara")
    assert result.user.email == "sara@example.com"
    assert tf.auth.login(email=" sara@example.com ", password="long enough").user.id == (
        result.user.id
    )
