"""The data keyring and sealed values: what a leaked database shows, and key rotation."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr

from taskflow.errors import ConfigurationError, SealedValueInvalid
from taskflow.security.keyring import Keyring
from taskflow.security.sealing import MAX_SEALED_LENGTH, AesGcmSealer

OLD = "old-key-" + "o" * 40
NEW = "new-key-" + "n" * 40
TOKEN = "Xk2-raw-one-time-token-value_9"


def sealer(*keys: str) -> AesGcmSealer:
    return AesGcmSealer(Keyring([SecretStr(key) for key in keys]))


def test_a_sealed_value_opens_and_shows_nothing_of_the_value() -> None:
    box = sealer(NEW)
    sealed = box.seal(TOKEN, purpose="user.password_reset")
    assert TOKEN not in sealed
    assert TOKEN[:8] not in sealed
    assert box.open(sealed, purpose="user.password_reset") == TOKEN


def test_the_same_value_seals_differently_each_time() -> None:
    box = sealer(NEW)
    assert box.seal(TOKEN, purpose="p") != box.seal(TOKEN, purpose="p")


def test_a_value_sealed_for_one_purpose_does_not_open_for_another() -> None:
    box = sealer(NEW)
    sealed = box.seal(TOKEN, purpose="invite.created")
    with pytest.raises(SealedValueInvalid):
        box.open(sealed, purpose="user.password_reset")


@pytest.mark.parametrize("byte", [0, 11, 12, 30, -1])  # nonce, ciphertext, tag
def test_a_tampered_value_does_not_open(byte: int) -> None:
    box = sealer(NEW)
    prefix, key_id, body = box.seal(TOKEN, purpose="p").split(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[byte] ^= 0x01
    tampered_body = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(SealedValueInvalid):
        box.open(f"{prefix}.{key_id}.{tampered_body}", purpose="p")


@pytest.mark.parametrize(
    "garbage",
    ["", "s1", "s1..", "s1.deadbeef.", "s2.x.y", "not sealed at all", "s1.????.%%%", "x" * 10_000],
)
def test_garbage_is_refused_with_the_typed_error(garbage: str) -> None:
    with pytest.raises(SealedValueInvalid):
        sealer(NEW).open(garbage, purpose="p")


def test_an_overlong_value_is_refused_before_decoding() -> None:
    box = sealer(NEW)
    sealed = box.seal(TOKEN, purpose="p")
    with pytest.raises(SealedValueInvalid, match="too long"):
        box.open(sealed + "A" * MAX_SEALED_LENGTH, purpose="p")


def test_after_a_rotation_old_values_still_open_and_new_ones_use_the_new_key() -> None:
    sealed_before = sealer(OLD).seal(TOKEN, purpose="p")
    rotated = sealer(NEW, OLD)
    assert rotated.open(sealed_before, purpose="p") == TOKEN
    sealed_after = rotated.seal(TOKEN, purpose="p")
    assert sealer(NEW).open(sealed_after, purpose="p") == TOKEN
    with pytest.raises(SealedValueInvalid):
        sealer(OLD).open(sealed_after, purpose="p")


def test_a_retired_key_no_longer_opens_what_it_sealed() -> None:
    sealed = sealer(OLD).seal(TOKEN, purpose="p")
    with pytest.raises(SealedValueInvalid):
        sealer(NEW).open(sealed, purpose="p")


def test_each_use_gets_its_own_subkey() -> None:
    keyring = Keyring([SecretStr(NEW)])
    cursor, sealed = keyring.current("cursor"), keyring.current("sealed-token")
    assert cursor.key_id == sealed.key_id  # the same keyring key...
    assert cursor.secret != sealed.secret  # ...but different subkeys
    assert NEW.encode() not in cursor.secret
    assert NEW not in repr(keyring)
    assert NEW not in repr(cursor)


@pytest.mark.parametrize(
    ("keys", "message"),
    [([], "at least one key"), (["short"], "at least 32"), ([NEW, NEW], "twice")],
)
def test_a_bad_keyring_is_a_configuration_error(keys: list[str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Keyring([SecretStr(key) for key in keys])
