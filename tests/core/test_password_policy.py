"""The password rules (NIST SP 800-63B): length, no common or breached password, no
trivial pattern, and no composition rules. Issue 12, point 12."""

from __future__ import annotations

import pytest

from taskflow.errors import InvalidInput
from taskflow.security.password_policy import password_problem
from taskflow.testing import make_test_taskflow


@pytest.mark.parametrize(
    "password",
    [
        "password",  # the reproduction
        "12345678",
        " " * 8,
        "\x00" * 8,
        "PASSWORD",  # case does not make a common password safe
        "  password  ",
        "qwertyuiop",
        "iloveyou",
        "aaaaaaaaaa",
        "abcdefgh",
        "87654321",
        "short",
        "x" * 129,
    ],
)
def test_weak_passwords_are_refused(password: str) -> None:
    assert password_problem(password) is not None


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "no composition rules here",
        "رمز عبور طولانی من",  # Persian: any printable character counts
        "tr0ub4dor&3 but longer",
        "12345679x",
        "a" * 7 + "b",
        "xy" * 64,
    ],
)
def test_good_passwords_are_accepted(password: str) -> None:
    assert password_problem(password) is None


def test_length_counts_characters_after_normalisation() -> None:
    # U+FB01 (the "fi" ligature) is two characters once normalised (NFKC): "\ufb01a" is 3.
    assert password_problem("\ufb01a" * 42) is None  # 126 characters
    assert password_problem("\ufb01a" * 43) is not None  # 129, though 86 as typed


@pytest.mark.parametrize("password", ["password", "12345678", " " * 8])
def test_signup_reset_and_change_refuse_a_weak_password(password: str) -> None:
    tf = make_test_taskflow()
    with pytest.raises(InvalidInput) as caught:
        tf.auth.signup(email="sara@example.com", password=password, name="Sara")
    assert caught.value.errors[0]["field"] == "password"
    result = tf.auth.signup(
        email="sara@example.com", password="correct horse battery staple", name="Sara"
    )
    with pytest.raises(InvalidInput):
        tf.auth.change_password(
            result.user.id, current_password="correct horse battery staple", new_password=password
        )
