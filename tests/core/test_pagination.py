"""Opaque cursors: round trips, and garbage in means InvalidInput, never a crash."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskflow.domain.queries import TimeKey
from taskflow.errors import InvalidInput
from taskflow.ids import new_id
from taskflow.pagination import (
    decode_sort_cursor,
    decode_time_cursor,
    encode_sort_cursor,
    encode_time_cursor,
)


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
