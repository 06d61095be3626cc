"""Opaque cursors: signed by the data keyring, round trips, and garbage in means
InvalidInput (400), never a crash (issue 12, point 6)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from taskflow.domain.queries import TimeKey
from taskflow.errors import InvalidInput
from taskflow.ids import new_id
from taskflow.pagination import MAX_CURSOR_LENGTH, CursorCodec
from taskflow.security.keyring import Keyring

CURSOR_KEY = "c" * 43
OTHER_KEY = "d" * 43


def codec(*keys: str) -> CursorCodec:
    return CursorCodec(Keyring([SecretStr(key) for key in keys or (CURSOR_KEY,)]))


def _unsigned(document: str) -> str:
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "value",
    [datetime(2024, 2, 1, 10, 0, tzinfo=UTC), date(2024, 2, 15), 2, 0, None],
)
def test_sort_cursor_round_trips(value: object) -> None:
    item_id = new_id()
    cursor = codec().encode_sort("due_date", value, item_id)  # type: ignore[arg-type]
    assert codec().decode_sort(cursor, "due_date") == (value, item_id)


def test_sort_cursor_of_another_ordering_is_refused() -> None:
    cursor = codec().encode_sort("priority", 2, new_id())
    with pytest.raises(InvalidInput) as info:
        codec().decode_sort(cursor, "created_at")
    assert info.value.errors[0]["field"] == "cursor"


def test_time_cursor_round_trips() -> None:
    key = TimeKey(datetime(2024, 2, 1, tzinfo=UTC), new_id())
    assert codec().decode_time(codec().encode_time(key)) == key


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


@pytest.mark.parametrize(
    "document",
    [
        {"t": "2024-01-01T00:00:00+00:00", "id": 1},  # the reproduction, signed
        {"t": "2024-01-01T00:00:00", "id": str(new_id())},  # naive
        {"t": 5, "id": str(new_id())},
        {"s": "priority", "v": 1, "id": 7},
        {"s": "priority", "v": True, "id": str(new_id())},
    ],
)
def test_a_signed_cursor_with_a_bad_document_is_invalid_input(document: dict[str, object]) -> None:
    cursor = codec().encode(document)
    with pytest.raises(InvalidInput):
        codec().decode_time(cursor)
    with pytest.raises(InvalidInput):
        codec().decode_sort(cursor, "priority")


def test_a_signed_deeply_nested_document_is_invalid_input() -> None:
    body = _unsigned("[" * 300)
    signed = codec().encode({"x": 1})
    forged = f"{body}.{signed.rpartition('.')[2]}"
    with pytest.raises(InvalidInput):
        codec().decode(forged)


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
def test_any_garbage_cursor_is_invalid_input(garbage: str) -> None:
    with pytest.raises(InvalidInput):
        codec().decode_sort(garbage, "created_at")
    with pytest.raises(InvalidInput):
        codec().decode_time(garbage)
