"""The task endpoints' direct JSON (``task_json``, ``task_page_json``) is byte for byte
what the documented response models (``TaskOut``, ``PageOut[TaskOut]``) serialize to."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from taskflow.adapters.web.schemas import PageOut, TaskOut
from taskflow.adapters.web.serializers import task_json, task_out, task_page_json
from taskflow.domain.models import Priority, Task, TaskStatus, UserRef
from taskflow.services.read_models import TaskView

_aware = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(9998, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=3, minutes=30))]),
)
_text = st.text(min_size=0, max_size=40)


@st.composite
def task_views(draw: st.DrawFn) -> TaskView:
    task = Task(
        id=uuid.UUID(int=draw(st.integers(0, 2**128 - 1))),
        team_id=uuid.uuid4(),
        title=draw(_text.filter(bool)),
        description=draw(st.none() | _text),
        status=draw(st.sampled_from(TaskStatus)),
        priority=draw(st.sampled_from(Priority)),
        assignee_id=None,
        created_by=uuid.uuid4(),
        due_date=draw(st.none() | st.dates(date(1, 1, 1), date(9999, 12, 31))),
        completed_at=draw(st.none() | _aware),
        created_at=draw(_aware),
        updated_at=draw(_aware),
        version=draw(st.integers(1, 2**31 - 1)),
    )
    assignee = draw(st.none() | st.builds(UserRef, id=st.uuids(), name=_text))
    return TaskView(task, assignee)


@settings(max_examples=100, deadline=None)
@given(task_views())
def test_task_json_is_the_task_out_json(view: TaskView) -> None:
    assert task_json(view) == task_out(view).model_dump_json().encode()


@settings(max_examples=30, deadline=None)
@given(st.lists(task_views(), max_size=5), st.none() | st.text(max_size=30))
def test_task_page_json_is_the_page_out_json(views: list[TaskView], cursor: str | None) -> None:
    model = PageOut[TaskOut](items=[task_out(view) for view in views], next_cursor=cursor)
    assert task_page_json(views, cursor) == model.model_dump_json().encode()
