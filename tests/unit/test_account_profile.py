"""tf.auth.update_profile: name, language and time zone, validated as at sign-up; the
language and time zone live in the notification preferences (one home)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from taskflow import InvalidInput, TaskFlow, UserNotFound
from taskflow.services.read_models import AuthResult

PASSWORD = "correct horse battery staple"


@pytest.fixture
def sara(tf: TaskFlow) -> AuthResult:
    return tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")


def test_the_profile_starts_with_the_defaults(tf: TaskFlow, sara: AuthResult) -> None:
    profile = tf.auth.profile(sara.user.id)
    assert (profile.profile.name, profile.language, profile.timezone) == ("Sara", "fa", "UTC")
    assert profile.deletion_due_at is None


def test_a_language_chosen_at_signup_is_the_profiles(tf: TaskFlow) -> None:
    omid = tf.auth.signup(email="omid@example.com", password=PASSWORD, name="Omid", language="en")
    assert tf.auth.profile(omid.user.id).language == "en"


def test_each_field_changes_alone(tf: TaskFlow, sara: AuthResult) -> None:
    user_id = sara.user.id
    renamed = tf.auth.update_profile(user_id, name="  سارا  ")
    assert (renamed.profile.name, renamed.language, renamed.timezone) == ("سارا", "fa", "UTC")
    english = tf.auth.update_profile(user_id, language="en")
    assert (english.profile.name, english.language, english.timezone) == ("سارا", "en", "UTC")
    tehran = tf.auth.update_profile(user_id, timezone="Asia/Tehran")
    assert (tehran.profile.name, tehran.language, tehran.timezone) == ("سارا", "en", "Asia/Tehran")
    assert tf.auth.me(user_id).name == "سارا"
    assert tf.auth.profile(user_id) == tehran


def test_language_and_time_zone_are_the_notification_preferences(
    tf: TaskFlow, sara: AuthResult
) -> None:
    tf.notifications.update_preferences(
        sara.user.id, quiet_hours_start="22:00", quiet_hours_end="07:00"
    )
    tf.auth.update_profile(sara.user.id, language="en", timezone="Europe/Berlin")
    preferences = tf.notifications.get_preferences(sara.user.id)
    assert (preferences.language, preferences.timezone) == ("en", "Europe/Berlin")
    assert preferences.quiet_hours_start is not None  # the other choices are kept
    tf.notifications.update_preferences(sara.user.id, language="fa")
    assert tf.auth.profile(sara.user.id).language == "fa"


def test_nothing_given_changes_nothing(tf: TaskFlow, sara: AuthResult) -> None:
    before = tf.auth.profile(sara.user.id)
    assert tf.auth.update_profile(sara.user.id) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": None}, "name"),
        ({"name": 5}, "name"),
        ({"language": "de"}, "language"),
        ({"language": None}, "language"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../etc/passwd"}, "timezone"),
        ({"timezone": None}, "timezone"),
        ({"email": "new@example.com"}, "email"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(
    tf: TaskFlow, sara: AuthResult, changes: dict[str, object], field: str
) -> None:
    before = tf.auth.profile(sara.user.id)
    with pytest.raises(InvalidInput) as caught:
        tf.auth.update_profile(sara.user.id, **changes)
    assert [error["field"] for error in caught.value.errors] == [field]
    assert tf.auth.profile(sara.user.id) == before


def test_an_unknown_user(tf: TaskFlow) -> None:
    with pytest.raises(UserNotFound):
        tf.auth.update_profile(uuid4(), name="Nobody")
