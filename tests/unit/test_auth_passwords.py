"""Passwords: argon2id with OWASP's parameters, re-hashing outdated hashes at login, and
the validators (email, name, password) checked with hypothesis."""

from __future__ import annotations

import string
import unicodedata
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskflow import InvalidCredentials, InvalidInput, TaskFlow
from taskflow.config import PasswordHashingConfig
from taskflow.ports.services import PasswordHasher
from taskflow.security.password_policy import password_problem
from taskflow.security.passwords import Argon2PasswordHasher
from taskflow.testing import (
    FAST_PASSWORD_HASHING,
    TEST_AUTH_CONFIG,
    InMemoryStore,
    InMemoryTokenStore,
    InMemoryUnitOfWorkFactory,
    make_test_taskflow,
)
from taskflow.validation import Email, InputModel, Password, PersonName, validate

PASSWORD = "correct horse battery staple"
EMAIL = "sara@example.com"
# Other (cheap) parameters than the suite's FAST_PASSWORD_HASHING: "outdated" hashes.
OLD_PARAMETERS = PasswordHashingConfig(memory_cost_kib=512, time_cost=2, parallelism=1)


class CountingHasher:
    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.hashed = 0

    def hash(self, password: str) -> str:
        self.hashed += 1
        return self.inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        return self.inner.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.inner.needs_rehash(password_hash)


def sharing(tf: TaskFlow, hasher: PasswordHasher) -> TaskFlow:
    """Another TaskFlow on the same storage and clock, hashing with ``hasher``."""
    return TaskFlow.from_adapters(
        uow_factory=tf.uow_factory,
        token_store=tf.token_store,
        auth_config=tf.auth_config,
        clock=tf.clock,
        publisher=tf.publisher,
        hasher=hasher,
    )


def stored_hash(tf: TaskFlow, user_id: UUID) -> str:
    with tf.uow_factory(read_only=True) as uow:
        user = uow.users.get(user_id)
    assert user is not None
    return user.password_hash


# --- argon2id -------------------------------------------------------------------------


def test_the_default_is_argon2id_with_owasp_parameters() -> None:
    assert PasswordHashingConfig() == PasswordHashingConfig(
        memory_cost_kib=19 * 1024, time_cost=2, parallelism=1
    )
    hashed = Argon2PasswordHasher().hash(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_taskflow_hashes_with_owasp_parameters_unless_told_otherwise() -> None:
    tf = TaskFlow.from_adapters(
        uow_factory=InMemoryUnitOfWorkFactory(InMemoryStore()),
        token_store=InMemoryTokenStore(),
        auth_config=TEST_AUTH_CONFIG,
    )
    assert tf.hasher.hash(PASSWORD).startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_hasher_verifies_and_refuses() -> None:
    hasher = Argon2PasswordHasher(FAST_PASSWORD_HASHING)
    hashed = hasher.hash(PASSWORD)
    assert hashed != PASSWORD
    assert hasher.verify(hashed, PASSWORD)
    assert not hasher.verify(hashed, PASSWORD + "!")
    assert not hasher.verify("not a hash", PASSWORD)  # False, never an exception
    assert hasher.hash(PASSWORD) != hashed  # salted


def test_needs_rehash_spots_other_parameters() -> None:
    current = Argon2PasswordHasher(FAST_PASSWORD_HASHING)
    old = Argon2PasswordHasher(OLD_PARAMETERS)
    assert current.needs_rehash(old.hash(PASSWORD))
    assert not current.needs_rehash(current.hash(PASSWORD))
    assert current.needs_rehash("not a hash")


def test_the_password_is_stored_only_as_an_argon2id_hash(tf: TaskFlow) -> None:
    user_id = tf.auth.signup(email=EMAIL, password=PASSWORD, name="Sara").user.id
    hashed = stored_hash(tf, user_id)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed


# --- re-hashing at login --------------------------------------------------------------


def test_an_outdated_hash_is_replaced_at_the_next_successful_login(tf: TaskFlow) -> None:
    old = sharing(tf, Argon2PasswordHasher(OLD_PARAMETERS))
    user_id = old.auth.signup(email=EMAIL, password=PASSWORD, name="Sara").user.id
    assert tf.hasher.needs_rehash(stored_hash(tf, user_id))

    counting = CountingHasher(tf.hasher)
    current = sharing(tf, counting)
    current.auth.login(email=EMAIL, password=PASSWORD)

    new_hash = stored_hash(tf, user_id)
    assert not tf.hasher.needs_rehash(new_hash)
    assert tf.hasher.verify(new_hash, PASSWORD)
    assert counting.hashed == 1
    # Done once: the next login finds a current hash and hashes nothing.
    current.auth.login(email=EMAIL, password=PASSWORD)
    assert counting.hashed == 1
    assert stored_hash(tf, user_id) == new_hash


def test_a_failed_login_does_not_rehash(tf: TaskFlow) -> None:
    old = sharing(tf, Argon2PasswordHasher(OLD_PARAMETERS))
    user_id = old.auth.signup(email=EMAIL, password=PASSWORD, name="Sara").user.id
    before = stored_hash(tf, user_id)
    with pytest.raises(InvalidCredentials):
        tf.auth.login(email=EMAIL, password="not the password")
    assert stored_hash(tf, user_id) == before


def test_a_current_hash_is_left_alone(tf: TaskFlow) -> None:
    user_id = tf.auth.signup(email=EMAIL, password=PASSWORD, name="Sara").user.id
    before = stored_hash(tf, user_id)
    tf.auth.login(email=EMAIL, password=PASSWORD)
    assert stored_hash(tf, user_id) == before


def test_passwords_are_not_trimmed(tf: TaskFlow) -> None:
    tf.auth.signup(email=EMAIL, password="  spaced out  ", name="Sara")
    with pytest.raises(InvalidCredentials):
        tf.auth.login(email=EMAIL, password="spaced out")
    assert tf.auth.login(email=EMAIL, password="  spaced out  ").user.email == EMAIL


# --- the validators, with hypothesis --------------------------------------------------


class _EmailProbe(InputModel):
    email: Email


class _NameProbe(InputModel):
    name: PersonName


class _PasswordProbe(InputModel):
    password: Password


_local_chars = string.ascii_letters + string.digits + "+_-"
_label = st.text(string.ascii_letters + string.digits, min_size=1, max_size=20)
emails = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    st.text(_local_chars, min_size=1, max_size=30),
    st.lists(_label, min_size=1, max_size=3),
    st.text(string.ascii_letters, min_size=2, max_size=6).filter(
        lambda tld: tld.lower() not in {"test", "local", "localhost", "invalid", "onion", "arpa"}
    ),
)
_spaces = st.text(" \t\n\u00a0\u3000", max_size=5)


@given(emails)
def test_emails_are_lower_cased_whatever_their_case(email: str) -> None:
    expected = email.lower()
    assert validate(_EmailProbe, email=email).email == expected
    assert validate(_EmailProbe, email=email.upper()).email == expected
    assert validate(_EmailProbe, email=expected).email == expected  # idempotent


@given(st.text(max_size=40).filter(lambda s: "@" not in s))
def test_text_without_an_at_sign_is_never_an_email(text: str) -> None:
    with pytest.raises(InvalidInput):
        validate(_EmailProbe, email=text)


@given(
    st.text(min_size=1, max_size=100).filter(
        lambda s: s.strip() == s and s != "" and "\x00" not in s  # NUL: refused
    ),
    _spaces,
    _spaces,
)
def test_names_are_trimmed_and_otherwise_kept_exactly(core: str, before: str, after: str) -> None:
    assert validate(_NameProbe, name=before + core + after).name == core


@given(st.text(max_size=130))
def test_names_need_1_to_100_characters_after_trimming(name: str) -> None:
    if 1 <= len(name.strip()) <= 100 and "\x00" not in name:
        assert validate(_NameProbe, name=name).name == name.strip()
    else:
        with pytest.raises(InvalidInput):
            validate(_NameProbe, name=name)


def _acceptable_but_for_length(password: str) -> bool:
    """Not refused by the rules besides length (tested in tests/core/test_password_policy.py)."""
    problem = password_problem(password)
    return problem is None or problem.startswith("must be 8 to 128")


@given(st.text(max_size=140).filter(_acceptable_but_for_length))
def test_passwords_need_8_to_128_characters_kept_as_given(password: str) -> None:
    if 8 <= len(unicodedata.normalize("NFKC", password)) <= 128:
        assert validate(_PasswordProbe, password=password).password == password
    else:
        with pytest.raises(InvalidInput) as caught:
            validate(_PasswordProbe, password=password)
        if len(password) >= 3:
            assert password not in str(caught.value)


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=8, max_size=128).filter(lambda p: password_problem(p) is None))
def test_any_valid_password_signs_up_and_logs_in(password: str) -> None:
    tf = make_test_taskflow()
    tf.auth.signup(email=EMAIL, password=password, name="Sara")
    assert tf.auth.login(email=EMAIL, password=password).user.email == EMAIL
