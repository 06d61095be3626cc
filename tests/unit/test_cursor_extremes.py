"""A cursor naming a moment at the very edge of the calendar (year 1 or 9999 with a UTC
offset, so that it cannot be converted to UTC) is a 400 ``cursor`` error on every
backend, not an OverflowError (a 500)."""

from __future__ import annotations

import pytest

from taskflow import TaskFlow
from taskflow.errors import InvalidInput
from taskflow.ids import new_id

PASSWORD = "correct horse battery"
EDGES = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+12:00"]


@pytest.mark.parametrize("moment", EDGES)
def test_a_comment_or_activity_cursor_at_the_calendars_edge_is_invalid_input(
    tf: TaskFlow, moment: str
) -> None:
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")
    team = tf.teams.create(owner.user.id, name="Crew")
    task = tf.tasks.create(owner.user.id, team.id, title="t")
    cursor = tf.cursors.encode({"t": moment, "id": str(new_id())})
    with pytest.raises(InvalidInput) as raised:
        tf.comments.list(owner.user.id, task.id, cursor=cursor)
    assert raised.value.errors[0]["field"] == "cursor"
    with pytest.raises(InvalidInput):
        tf.tasks.activity(owner.user.id, task.id, cursor=cursor)


@pytest.mark.parametrize("moment", EDGES)
def test_a_task_list_cursor_at_the_calendars_edge_is_invalid_input(
    tf: TaskFlow, moment: str
) -> None:
    from datetime import datetime  # noqa: PLC0415

    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")
    team = tf.teams.create(owner.user.id, name="Crew")
    tf.tasks.create(owner.user.id, team.id, title="t")
    cursor = tf.cursors.encode_sort("created_at.desc", datetime.fromisoformat(moment), new_id())
    with pytest.raises(InvalidInput):
        tf.tasks.list_team(owner.user.id, team.id, cursor=cursor)
    with pytest.raises(InvalidInput):
        tf.tasks.list_mine(owner.user.id, cursor=cursor)


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
def test_a_cursor_at_the_calendars_edge_in_utc_is_a_valid_position(
    tf: TaskFlow, moment: str
) -> None:
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")
    team = tf.teams.create(owner.user.id, name="Crew")
    task = tf.tasks.create(owner.user.id, team.id, title="t")
    tf.comments.add(owner.user.id, task.id, content="hello")
    cursor = tf.cursors.encode({"t": moment, "id": str(new_id())})
    expected = 1 if moment.startswith("0001") else 0  # oldest first: after year 1, all
    assert len(tf.comments.list(owner.user.id, task.id, cursor=cursor).items) == expected
