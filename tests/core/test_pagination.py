"""Opaque cursors: round trips, and garbage in means InvalidInput, never a crash."""

from __future__ import annotations

import base64
import contextlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from taskflow.domain.queries import TimeKey
from taskflow.errors import InvalidInput
from taskflow.ids import new_id
from taskflow.pagination import (
    MAX_CURSOR_LENGTH,
    CursorCodec,
    decode_sort_cursor,
    decode_time_cursor,
    encode_sort_cursor,
    encode_time_cursor,
)
from taskflow.security.keyring import Keyring


@pytest.mark.parametrize(
    "value",
    [datetime(2024, 2, 1, 10, 0, tzinfo=UTC), date(2024, 2, 15), 2, 0, None],
)
def test_sort_cursor_round_trips(value: object) -> None:
    item_id = new_id()
    cursor = encode_sort_cursor("due_date", value, item_id)  # type: ignore[arg-type]
    assert decode_sort_cursor(cursor, "due_date") == (value, item_id)


def test_sort_cursor_of_another_ordering_is_refused() -> None:
    cursor = encode_sort_cursor("priority", 2, new_id())
    with pytest.raises(InvalidInput) as info:
        decode_sort_cursor(cursor, "created_at")
    assert info.value.errors[0]["field"] == "cursor"


def test_time_cursor_round_trips() -> None:
    key = TimeKey(datetime(2024, 2, 1, tzinfo=UTC), new_id())
    assert decode_time_cursor(encode_time_cursor(key)) == key


@given(st.text(max_size=200))
def test_any_garbage_cursor_is_invalid_input(garbage: str) -> None:
    for decode in (lambda c: decode_sort_cursor(c, "created_at"), decode_time_cursor):
        with contextlib.suppress(InvalidInput):
            decode(garbage)


# --- Signed cursors (issue 12, point 6) ---------------------------------------------------

CURSOR_KEY = "c" * 43
OTHER_KEY = "d" * 43


def codec(*keys: str) -> CursorCodec:
    return CursorCodec(Keyring([SecretStr(key) for key in keys or (CURSOR_KEY,)]))


def _unsigned(document: str) -> str:
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def test_signed_cursors_round_trip() -> None:
    key = TimeKey(datetime(2024, 2, 1, tzinfo=UTC), new_id())
    assert codec().decode_time(codec().encode_time(key)) == key
    item_id = new_id()
    cursor = codec().encode_sort("due_date", date(2024, 2, 15), item_id)
    assert codec().decode_sort(cursor, "due_date") == (date(2024, 2, 15), item_id)


@pytest.mark.parametrize(
    "document",
    [
        '{"t":"2024-01-01T00:00:00+00:00","id":1}',  # UUID(int): AttributeError before
        "[" * 9000,  # RecursionError in json.loads before
        '{"t":"2024-01-01T00:00:00+00:00","id":"' + str(new_id()) + '"}',  # well formed
    ],
)
def test_a_cursor_the_server_did_not_sign_is_invalid_input(document: str) -> None:
    crafted = _unsigned(document)
    for cursor in (crafted, f"{crafted}.AAAAAAAAAAAAAAAAAAAAAA", f"{crafted}."):
        with pytest.raises(InvalidInput):
            codec().decode_time(cursor)


def test_the_unsigned_decoders_survive_the_crafted_cursors_too() -> None:
    for document in ('{"t":"2024-01-01T00:00:00+00:00","id":1}', "[" * 9000):
        with pytest.raises(InvalidInput):
            decode_time_cursor(_unsigned(document))
    with pytest.raises(InvalidInput):
        decode_sort_cursor(_unsigned('{"s":"priority","v":1,"id":7}'), "priority")


def test_an_overlong_cursor_is_refused_unread() -> None:
    cursor = codec().encode_time(TimeKey(datetime(2024, 2, 1, tzinfo=UTC), new_id()))
    with pytest.raises(InvalidInput):
        codec().decode_time(cursor + "A" * MAX_CURSOR_LENGTH)


def test_a_cursor_signed_by_another_server_is_refused() -> None:
    cursor = codec(OTHER_KEY).encode_time(TimeKey(datetime(2024, 2, 1, tzinfo=UTC), new_id()))
    with pytest.raises(InvalidInput):
        codec(CURSOR_KEY).decode_time(cursor)


def test_cursors_survive_a_key_rotation() -> None:
    key = TimeKey(datetime(2024, 2, 1, tzinfo=UTC), new_id())
    cursor = codec(OTHER_KEY).encode_time(key)
    assert codec(CURSOR_KEY, OTHER_KEY).decode_time(cursor) == key


@given(st.text(max_size=600))
def test_any_garbage_signed_cursor_is_invalid_input(garbage: str) -> None:
    with pytest.raises(InvalidInput):
        codec().decode_sort(garbage, "created_at")
    with pytest.raises(InvalidInput):
        codec().decode_time(garbage)
