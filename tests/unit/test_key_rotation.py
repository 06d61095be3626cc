"""Rotating JWT_SECRET and REFRESH_SECRET without logging anyone out (the ``kid``).

Tokens signed with a previous key keep working until they expire; once the key is dropped
from ``TASKFLOW_*_PREVIOUS_SECRETS`` they are refused; tokens without a ``kid`` (issued
before tokens carried one) keep working with the current key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import attrs
import jwt
import pytest
from pydantic import SecretStr

from taskflow import ConfigurationError, InvalidToken, TaskFlow, TokenExpired
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.bootstrap import Storage, build_memory_storage
from taskflow.config import AuthConfig
from taskflow.security.tokens import TokenCodec, TokenType, key_id
from taskflow.settings import Settings
from taskflow.testing import FAST_PASSWORD_HASHING, TEST_AUTH_CONFIG, FakeClock

PASSWORD = "correct horse battery staple"
NOW = datetime(2024, 2, 1, 10, 0, tzinfo=UTC)
OLD_JWT = TEST_AUTH_CONFIG.jwt_secret
OLD_REFRESH = TEST_AUTH_CONFIG.refresh_secret
NEW_JWT = SecretStr("the-new-jwt-secret-after-the-rotation-0123456789")
NEW_REFRESH = SecretStr("the-new-refresh-secret-after-the-rotation-012345")

ROTATED = attrs.evolve(
    TEST_AUTH_CONFIG,
    jwt_secret=NEW_JWT,
    refresh_secret=NEW_REFRESH,
    previous_jwt_secrets=(OLD_JWT,),
    previous_refresh_secrets=(OLD_REFRESH,),
)
DROPPED = attrs.evolve(ROTATED, previous_jwt_secrets=(), previous_refresh_secrets=())


def kid_of(token: str) -> Any:
    return jwt.get_unverified_header(token).get("kid")


# --- the codec ----------------------------------------------------------------------------


def test_tokens_carry_the_kid_of_the_key_that_signed_them() -> None:
    codec = TokenCodec(TEST_AUTH_CONFIG)
    access = codec.issue(TokenType.ACCESS, user_id=uuid4(), session_id=uuid4(), now=NOW)
    refresh = codec.issue(TokenType.REFRESH, user_id=uuid4(), session_id=uuid4(), now=NOW)
    assert kid_of(access.token) == key_id("access", OLD_JWT.get_secret_value())
    assert kid_of(refresh.token) == key_id("refresh", OLD_REFRESH.get_secret_value())
    # A one-way name: the secret appears nowhere in the token or its header.
    assert OLD_JWT.get_secret_value() not in kid_of(access.token)


def test_a_rotated_codec_signs_with_the_new_key_and_accepts_the_old_until_expiry() -> None:
    before = TokenCodec(TEST_AUTH_CONFIG)
    old_access = before.issue(TokenType.ACCESS, user_id=uuid4(), session_id=uuid4(), now=NOW)
    old_refresh = before.issue(TokenType.REFRESH, user_id=uuid4(), session_id=uuid4(), now=NOW)

    rotated = TokenCodec(ROTATED)
    assert rotated.decode(old_access.token, TokenType.ACCESS, now=NOW) == old_access.claims
    assert rotated.decode(old_refresh.token, TokenType.REFRESH, now=NOW) == old_refresh.claims
    new = rotated.issue(TokenType.ACCESS, user_id=uuid4(), session_id=uuid4(), now=NOW)
    assert kid_of(new.token) == key_id("access", NEW_JWT.get_secret_value())
    jwt.decode(
        new.token,
        NEW_JWT.get_secret_value(),
        algorithms=["HS256"],
        audience="taskflow",
        options={"verify_exp": False},
    )
    # Accepted until its own expiry, not longer.
    with pytest.raises(TokenExpired):
        rotated.decode(old_access.token, TokenType.ACCESS, now=NOW + timedelta(minutes=15))

    dropped = TokenCodec(DROPPED)
    for token, token_type in ((old_access, TokenType.ACCESS), (old_refresh, TokenType.REFRESH)):
        with pytest.raises(InvalidToken):
            dropped.decode(token.token, token_type, now=NOW)
    assert dropped.decode(new.token, TokenType.ACCESS, now=NOW) == new.claims


def legacy_token(secret: SecretStr, token_type: TokenType = TokenType.ACCESS) -> str:
    """A token as taskflow signed them before the kid: the same claims, no ``kid``."""
    issued = TokenCodec(TEST_AUTH_CONFIG).issue(
        token_type, user_id=uuid4(), session_id=uuid4(), now=NOW
    )
    payload = jwt.decode(issued.token, options={"verify_signature": False})
    token = jwt.encode(payload, secret.get_secret_value(), algorithm="HS256")
    assert "kid" not in jwt.get_unverified_header(token)
    return token


def test_a_token_without_kid_works_with_the_current_key_and_during_a_rotation() -> None:
    legacy = legacy_token(OLD_JWT)
    assert TokenCodec(TEST_AUTH_CONFIG).decode(legacy, TokenType.ACCESS, now=NOW).user_id
    assert TokenCodec(ROTATED).decode(legacy, TokenType.ACCESS, now=NOW).user_id
    with pytest.raises(InvalidToken):
        TokenCodec(DROPPED).decode(legacy, TokenType.ACCESS, now=NOW)
    legacy_refresh = legacy_token(OLD_REFRESH, TokenType.REFRESH)
    assert TokenCodec(TEST_AUTH_CONFIG).decode(legacy_refresh, TokenType.REFRESH, now=NOW)


def signed_by_hand(header: dict[str, Any], payload: dict[str, Any], secret: SecretStr) -> str:
    """A correctly signed HS256 token with any header (pyjwt refuses to write a non-text
    kid, but an attacker's token need not come from pyjwt)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{part(json.dumps(header).encode())}.{part(json.dumps(payload).encode())}"
    mac = hmac.new(secret.get_secret_value().encode(), signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{part(mac.digest())}"


@pytest.mark.parametrize(
    "header",
    [
        {"kid": "0123456789abcdef"},  # a key this deployment never had
        {"kid": 12},  # not even text
    ],
)
def test_an_unknown_kid_is_refused_even_with_a_valid_signature(header: dict[str, Any]) -> None:
    payload = jwt.decode(legacy_token(OLD_JWT), options={"verify_signature": False})
    forged = signed_by_hand({"alg": "HS256", "typ": "JWT", **header}, payload, OLD_JWT)
    with pytest.raises(InvalidToken):
        TokenCodec(TEST_AUTH_CONFIG).decode(forged, TokenType.ACCESS, now=NOW)


def test_a_kid_cannot_send_a_token_to_the_other_types_keys() -> None:
    """An access token whose kid names the refresh key is not checked with it."""
    codec = TokenCodec(TEST_AUTH_CONFIG)
    refresh = codec.issue(TokenType.REFRESH, user_id=uuid4(), session_id=uuid4(), now=NOW)
    with pytest.raises(InvalidToken):
        codec.decode(refresh.token, TokenType.ACCESS, now=NOW)


@pytest.mark.parametrize(
    "config",
    [
        attrs.evolve(TEST_AUTH_CONFIG, previous_jwt_secrets=(SecretStr("short"),)),
        attrs.evolve(TEST_AUTH_CONFIG, previous_jwt_secrets=(OLD_JWT,)),  # the current one
        attrs.evolve(TEST_AUTH_CONFIG, previous_refresh_secrets=(NEW_REFRESH, NEW_REFRESH)),
    ],
    ids=["short", "same-as-current", "twice"],
)
def test_bad_previous_keys_are_refused_at_start(config: AuthConfig) -> None:
    with pytest.raises(ConfigurationError) as caught:
        TokenCodec(config)
    assert "PREVIOUS_SECRETS" in caught.value.message
    assert "short" not in caught.value.message.replace("shortest", "")


# --- through the service: a user stays logged in across the rotation -------------------


def build(storage: Storage, config: AuthConfig, clock: FakeClock, publisher: Any) -> TaskFlow:
    """One deployment's process: same storage, the given keys (a restart after the
    operator changed the environment)."""
    return TaskFlow.from_adapters(
        uow_factory=storage.uow_factory,
        token_store=storage.token_store,
        clock=clock,
        publisher=publisher,
        auth_config=config,
        password_hashing=FAST_PASSWORD_HASHING,
    )


def test_a_rotation_logs_nobody_out_and_dropping_the_old_key_does() -> None:
    clock, publisher = FakeClock(NOW), RecordingEventPublisher()
    storage = build_memory_storage(publisher)
    before = build(storage, TEST_AUTH_CONFIG, clock, publisher)
    sara = before.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")
    ali = before.auth.signup(email="ali@example.com", password=PASSWORD, name="Ali")

    rotated = build(storage, ROTATED, clock, publisher)
    # Issued before the rotation: still accepted, both kinds.
    assert rotated.auth.validate_token(sara.token).user_id == sara.user.id
    renewed = rotated.auth.refresh(sara.refresh_token)
    assert kid_of(renewed.token) == key_id("access", NEW_JWT.get_secret_value())
    assert kid_of(renewed.refresh_token) == key_id("refresh", NEW_REFRESH.get_secret_value())

    # Until they expire: the access token after its 15 minutes.
    clock.advance(minutes=16)
    with pytest.raises(TokenExpired):
        rotated.auth.validate_token(ali.token)

    # The operator drops the old keys once the longest lifetime has passed (here: at once,
    # to show what happens to a token still signed with them).
    dropped = build(storage, DROPPED, clock, publisher)
    with pytest.raises(InvalidToken):
        dropped.auth.refresh(ali.refresh_token)
    # Sara refreshed during the rotation: her new tokens are on the new key.
    assert dropped.auth.validate_token(dropped.auth.refresh(renewed.refresh_token).token)


# --- the settings -------------------------------------------------------------------------

JWT, REFRESH = "j" * 40, "r" * 40
OLD_JWT_TEXT, OLD_REFRESH_TEXT = "o" * 40, "p" * 40


def test_previous_secrets_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JWT_SECRET", JWT)
    monkeypatch.setenv("REFRESH_SECRET", REFRESH)
    monkeypatch.setenv("TASKFLOW_JWT_PREVIOUS_SECRETS", f" {OLD_JWT_TEXT} , {'q' * 40},")
    monkeypatch.setenv("TASKFLOW_REFRESH_PREVIOUS_SECRETS", OLD_REFRESH_TEXT)
    config = Settings().auth_config()
    assert [key.get_secret_value() for key in config.previous_jwt_secrets] == [
        OLD_JWT_TEXT,
        "q" * 40,
    ]
    assert [key.get_secret_value() for key in config.previous_refresh_secrets] == [OLD_REFRESH_TEXT]
    assert OLD_JWT_TEXT not in repr(config)


def test_a_short_previous_secret_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings(jwt_secret=JWT, refresh_secret=REFRESH, jwt_previous_secrets="tiny-secret")
    assert "TASKFLOW_JWT_PREVIOUS_SECRETS" in caught.value.message
    assert "tiny-secret" not in caught.value.message


def test_previous_secrets_need_current_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings(data_dir=tmp_path, refresh_previous_secrets=OLD_REFRESH_TEXT)
    assert "JWT_SECRET" in caught.value.message


def test_a_rotation_through_the_settings_across_restarts(tmp_path: Path) -> None:
    """The operator's steps on a SQLite file: tokens of before survive the restart with
    the rotated settings, and die with the old key's removal."""
    common: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'rotation.sqlite3'}",
        "data_dir": tmp_path,
        "argon2_memory_kib": 1024,
        "argon2_time_cost": 1,
    }
    with TaskFlow.from_settings(
        Settings(jwt_secret=OLD_JWT_TEXT, refresh_secret=OLD_REFRESH_TEXT, **common)
    ) as tf:
        sara = tf.auth.signup(email="sara@example.com", password=PASSWORD, name="Sara")
    rotated = Settings(
        jwt_secret=JWT,
        refresh_secret=REFRESH,
        jwt_previous_secrets=OLD_JWT_TEXT,
        refresh_previous_secrets=OLD_REFRESH_TEXT,
        **common,
    )
    with TaskFlow.from_settings(rotated) as tf:
        assert tf.auth.validate_token(sara.token).user_id == sara.user.id
    with TaskFlow.from_settings(Settings(jwt_secret=JWT, refresh_secret=REFRESH, **common)) as tf:
        with pytest.raises(InvalidToken):
            tf.auth.validate_token(sara.token)
        with pytest.raises(InvalidToken):
            tf.auth.refresh(sara.refresh_token)
