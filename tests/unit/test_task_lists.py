"""Task lists: a team's tasks and "my tasks", filters, sorting, keyset pagination."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import pytest
from crew import Crew
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskflow import TaskFlow
from taskflow.domain.models import Priority, TaskStatus
from taskflow.errors import InvalidInput, NotTeamMember, TeamNotFound
from taskflow.pagination import decode_cursor, encode_cursor, encode_sort_cursor
from taskflow.services.read_models import TaskView
from taskflow.testing import FakeClock


def ids(page_items: Any) -> list[UUID]:
    return [t.id for t in page_items]


def walk(list_page: Any, **kwargs: Any) -> list[TaskView]:
    """Every task of a list, page after page."""
    seen: list[TaskView] = []
    cursor = None
    for _ in range(1000):
        page = list_page(cursor=cursor, **kwargs)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("pagination does not end")


# --- filters ---------------------------------------------------------------------------


@pytest.fixture
def board(tf: TaskFlow, crew: Crew, clock: FakeClock) -> dict[str, TaskView]:
    """Tasks with known fields, one minute apart (the clock stands at 2024-02-01 10:00)."""
    specs: dict[str, dict[str, Any]] = {
        "late": {"title": "Write the REPORT", "due_date": "2024-01-20", "priority": "high"},
        "late_done": {"title": "Old report", "due_date": "2024-01-25", "status": "done"},
        "today": {"title": "Standup notes", "due_date": "2024-02-01", "priority": "low"},
        "soon": {"title": "طراحی صفحه اصلی", "due_date": "2024-02-10", "status": "in_progress"},
        "undated": {"title": "Someday", "assignee_id": None},
    }
    tasks = {}
    for name, spec in specs.items():
        clock.advance(minutes=1)
        spec.setdefault("assignee_id", crew.assignee)
        actor = crew.member if name == "soon" else crew.creator
        tasks[name] = tf.tasks.create(actor, crew.team_id, **spec)
    # A task of another team never shows up in this team's lists.
    tf.tasks.create(crew.outsider, crew.other_team_id, title="Write the report elsewhere")
    return tasks


def names(board: dict[str, TaskView], items: Any) -> set[str]:
    by_id = {task.id: name for name, task in board.items()}
    return {by_id[item.id] for item in items}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"late", "late_done", "today", "soon", "undated"}),
        ({"status": "done"}, {"late_done"}),
        ({"status": ["todo", "in_progress"]}, {"late", "today", "soon", "undated"}),
        ({"status": ("in_progress",)}, {"soon"}),
        ({"status": [TaskStatus.DONE, "done"]}, {"late_done"}),
        ({"priority": "high"}, {"late"}),
        ({"priority": ["low", Priority.HIGH]}, {"late", "today"}),
        ({"unassigned": True}, {"undated"}),
        ({"due_before": "2024-02-01"}, {"late", "late_done"}),
        ({"due_before": date(2024, 2, 2)}, {"late", "late_done", "today"}),
        ({"due_after": "2024-02-01"}, {"soon"}),
        ({"due_after": "2024-01-20", "due_before": "2024-02-10"}, {"late_done", "today"}),
        ({"overdue": True}, {"late"}),
        ({"q": "report"}, {"late", "late_done"}),
        ({"q": "  REPORT "}, {"late", "late_done"}),
        ({"q": "صفحه"}, {"soon"}),
        ({"q": "nothing like this"}, set()),
        ({"q": ""}, {"late", "late_done", "today", "soon", "undated"}),
        ({"status": "todo", "priority": "high", "q": "write"}, {"late"}),
    ],
)
def test_filters(
    tf: TaskFlow,
    crew: Crew,
    board: dict[str, TaskView],
    filters: dict[str, Any],
    expected: set[str],
) -> None:
    page = tf.tasks.list_team(crew.member, crew.team_id, with_total=True, **filters)
    assert names(board, page.items) == expected
    assert page.total == len(expected)


def test_filter_by_assignee_and_creator(
    tf: TaskFlow, crew: Crew, board: dict[str, TaskView]
) -> None:
    assigned = tf.tasks.list_team(crew.owner, crew.team_id, assignee_id=crew.assignee)
    assert names(board, assigned.items) == {"late", "late_done", "today", "soon"}
    by_member = tf.tasks.list_team(crew.owner, crew.team_id, created_by=crew.member)
    assert names(board, by_member.items) == {"soon"}
    assert tf.tasks.list_team(crew.owner, crew.team_id, assignee_id=crew.admin).items == []


def test_overdue_uses_todays_date_in_utc(
    tf: TaskFlow, crew: Crew, board: dict[str, TaskView], clock: FakeClock
) -> None:
    # 23:30 on Feb 1st in New York is already Feb 2nd in UTC: "today" is now overdue.
    clock.set(datetime(2024, 2, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5))))
    page = tf.tasks.list_team(crew.owner, crew.team_id, overdue=True)
    assert names(board, page.items) == {"late", "today"}


def test_completing_an_overdue_task_removes_it_from_overdue(
    tf: TaskFlow, crew: Crew, board: dict[str, TaskView]
) -> None:
    tf.tasks.complete(crew.creator, board["late"].id)
    assert tf.tasks.list_team(crew.owner, crew.team_id, overdue=True).items == []


@pytest.mark.parametrize(
    "filters",
    [
        {"status": "closed"},
        {"status": ["todo", "nope"]},
        {"priority": "urgent"},
        {"due_before": "01/02/2024"},
        {"due_after": "2024-02-30"},
        {"sort": "title"},
        {"order": "up"},
        {"limit": 0},
        {"limit": 101},
        {"limit": -1},
        {"q": "x" * 256},
        {"cursor": "not a cursor"},
        {"unassigned": True, "assignee_id": uuid4()},
    ],
)
def test_bad_filters_are_invalid_input(tf: TaskFlow, crew: Crew, filters: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        tf.tasks.list_team(crew.owner, crew.team_id, **filters)
    with pytest.raises(InvalidInput):
        tf.tasks.list_mine(crew.owner, **filters)


@pytest.mark.parametrize("limit", [1, 100])
def test_limit_bounds_are_accepted(tf: TaskFlow, crew: Crew, limit: int) -> None:
    for i in range(3):
        tf.tasks.create(crew.owner, crew.team_id, title=f"t{i}")
    assert len(tf.tasks.list_team(crew.owner, crew.team_id, limit=limit).items) == min(limit, 3)


def test_total_only_on_request_and_for_the_whole_list(tf: TaskFlow, crew: Crew) -> None:
    for i in range(5):
        tf.tasks.create(crew.owner, crew.team_id, title=f"t{i}")
    assert tf.tasks.list_team(crew.owner, crew.team_id, limit=2).total is None
    first = tf.tasks.list_team(crew.owner, crew.team_id, limit=2, with_total=True)
    second = tf.tasks.list_team(
        crew.owner, crew.team_id, limit=2, with_total=True, cursor=first.next_cursor
    )
    assert (first.total, second.total) == (5, 5)
    assert len(second.items) == 2


def test_the_last_page_has_no_cursor(tf: TaskFlow, crew: Crew) -> None:
    for i in range(4):
        tf.tasks.create(crew.owner, crew.team_id, title=f"t{i}")
    first = tf.tasks.list_team(crew.owner, crew.team_id, limit=2)
    last = tf.tasks.list_team(crew.owner, crew.team_id, limit=2, cursor=first.next_cursor)
    assert first.next_cursor is not None
    assert last.next_cursor is None
    assert len(set(ids(first.items)) | set(ids(last.items))) == 4


# --- access ----------------------------------------------------------------------------


def test_only_members_list_a_team(tf: TaskFlow, crew: Crew) -> None:
    with pytest.raises(NotTeamMember):
        tf.tasks.list_team(crew.outsider, crew.team_id)
    with pytest.raises(NotTeamMember):
        tf.tasks.list_team(crew.owner, crew.other_team_id)
    with pytest.raises(TeamNotFound):
        tf.tasks.list_team(crew.owner, uuid4())


def test_my_tasks_span_all_my_teams_and_only_mine(
    tf: TaskFlow, crew: Crew, clock: FakeClock
) -> None:
    here = tf.tasks.create(crew.creator, crew.team_id, title="here")
    second_team = tf.teams.create(crew.creator, name="Side project").id
    clock.advance(seconds=1)
    there = tf.tasks.create(crew.creator, second_team, title="there")
    tf.tasks.create(crew.outsider, crew.other_team_id, title="not mine")
    assert ids(tf.tasks.list_mine(crew.creator).items) == [there.id, here.id]
    assert ids(tf.tasks.list_mine(crew.member).items) == [here.id]
    mine = tf.tasks.list_mine(crew.creator, q="THERE", with_total=True)
    assert (ids(mine.items), mine.total) == ([there.id], 1)


def test_my_tasks_without_any_team_is_empty(tf: TaskFlow, make_user: Any) -> None:
    loner = make_user(name="Loner")
    assert tf.tasks.list_mine(loner).items == []
    assert tf.tasks.list_mine(loner, with_total=True).total == 0


def test_leaving_a_team_drops_its_tasks_from_my_tasks(tf: TaskFlow, crew: Crew) -> None:
    tf.tasks.create(crew.owner, crew.team_id, title="team work")
    assert len(tf.tasks.list_mine(crew.member).items) == 1
    tf.teams.leave(crew.member, crew.team_id)
    assert tf.tasks.list_mine(crew.member).items == []


# --- sorting ---------------------------------------------------------------------------


def test_priority_sorts_by_meaning_not_alphabet(tf: TaskFlow, crew: Crew) -> None:
    for priority in ("medium", "low", "high"):
        tf.tasks.create(crew.owner, crew.team_id, title=priority, priority=priority)
    asc = tf.tasks.list_team(crew.owner, crew.team_id, sort="priority", order="asc")
    desc = tf.tasks.list_team(crew.owner, crew.team_id, sort="priority", order="desc")
    assert [t.title for t in asc.items] == ["low", "medium", "high"]
    assert [t.title for t in desc.items] == ["high", "medium", "low"]


def test_undated_tasks_come_last_ascending_and_first_descending(tf: TaskFlow, crew: Crew) -> None:
    for title, due in (("undated", None), ("march", "2024-03-01"), ("feb", "2024-02-01")):
        tf.tasks.create(crew.owner, crew.team_id, title=title, due_date=due)
    asc = tf.tasks.list_team(crew.owner, crew.team_id, sort="due_date", order="asc")
    desc = tf.tasks.list_team(crew.owner, crew.team_id, sort="due_date", order="desc")
    assert [t.title for t in asc.items] == ["feb", "march", "undated"]
    assert [t.title for t in desc.items] == ["undated", "march", "feb"]


def test_updated_at_follows_the_latest_change(tf: TaskFlow, crew: Crew, clock: FakeClock) -> None:
    first = tf.tasks.create(crew.owner, crew.team_id, title="first")
    clock.advance(minutes=1)
    tf.tasks.create(crew.owner, crew.team_id, title="second")
    clock.advance(minutes=1)
    tf.tasks.update(crew.owner, first.id, priority="high")
    page = tf.tasks.list_team(crew.owner, crew.team_id, sort="updated_at")
    assert [t.title for t in page.items] == ["first", "second"]


def test_default_order_is_newest_first(tf: TaskFlow, crew: Crew, clock: FakeClock) -> None:
    old = tf.tasks.create(crew.owner, crew.team_id, title="old")
    clock.advance(minutes=1)
    new = tf.tasks.create(crew.owner, crew.team_id, title="new")
    assert ids(tf.tasks.list_team(crew.owner, crew.team_id).items) == [new.id, old.id]


# --- cursors ---------------------------------------------------------------------------


def test_a_cursor_from_another_sort_or_order_is_refused(tf: TaskFlow, crew: Crew) -> None:
    for i in range(3):
        tf.tasks.create(crew.owner, crew.team_id, title=f"t{i}")
    cursor = tf.tasks.list_team(crew.owner, crew.team_id, limit=1, sort="created_at").next_cursor
    assert cursor is not None
    others: list[dict[str, Any]] = [{"sort": "updated_at"}, {"sort": "priority"}, {"order": "asc"}]
    for other in others:
        with pytest.raises(InvalidInput) as caught:
            tf.tasks.list_team(crew.owner, crew.team_id, limit=1, cursor=cursor, **other)
        assert caught.value.errors[0]["field"] == "cursor"


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("created_at", "yesterday"),
        ("created_at", 3),
        ("due_date", 7),
        ("priority", 9),
        ("priority", -1),
    ],
)
def test_a_forged_cursor_is_invalid_input_not_a_crash(
    tf: TaskFlow, crew: Crew, sort: str, value: Any
) -> None:
    tf.tasks.create(crew.owner, crew.team_id, title="t")
    forged = encode_cursor({"s": f"{sort}.desc", "v": value, "id": str(uuid4())})
    with pytest.raises(InvalidInput):
        tf.tasks.list_team(crew.owner, crew.team_id, sort=sort, cursor=forged)


def test_a_forged_cursor_with_a_wrongly_typed_value_is_refused(tf: TaskFlow, crew: Crew) -> None:
    tf.tasks.create(crew.owner, crew.team_id, title="t")
    dated = encode_sort_cursor("priority.asc", date(2024, 1, 1), uuid4())
    with pytest.raises(InvalidInput):
        tf.tasks.list_team(crew.owner, crew.team_id, sort="priority", order="asc", cursor=dated)
    timed = encode_sort_cursor("due_date.asc", datetime(2024, 1, 1, tzinfo=UTC), uuid4())
    with pytest.raises(InvalidInput):
        tf.tasks.list_team(crew.owner, crew.team_id, sort="due_date", order="asc", cursor=timed)


def test_cursors_are_opaque_strings(tf: TaskFlow, crew: Crew) -> None:
    for i in range(2):
        tf.tasks.create(crew.owner, crew.team_id, title=f"t{i}")
    cursor = tf.tasks.list_team(crew.owner, crew.team_id, limit=1).next_cursor
    assert isinstance(cursor, str)
    assert decode_cursor(cursor)["s"] == "created_at.desc"


def test_pages_stay_stable_when_a_task_is_added_meanwhile(
    tf: TaskFlow, crew: Crew, clock: FakeClock
) -> None:
    made = []
    for i in range(4):
        clock.advance(seconds=1)
        made.append(tf.tasks.create(crew.owner, crew.team_id, title=f"t{i}"))
    first = tf.tasks.list_team(crew.owner, crew.team_id, limit=2, order="asc")
    clock.advance(seconds=1)
    newer = tf.tasks.create(crew.owner, crew.team_id, title="newer")
    rest = walk(
        lambda **kw: tf.tasks.list_team(crew.owner, crew.team_id, limit=2, order="asc", **kw)
    )
    assert ids(first.items) == [made[0].id, made[1].id]
    assert first.next_cursor is not None
    second = tf.tasks.list_team(
        crew.owner, crew.team_id, limit=2, order="asc", cursor=first.next_cursor
    )
    assert ids(second.items) == [made[2].id, made[3].id]
    assert ids(rest) == [t.id for t in made] + [newer.id]


# --- every page, every order: a property ---------------------------------------------

_PRIORITY_RANK = {"low": 0, "medium": 1, "high": 2}


def expected_order(tasks: list[TaskView], sort: str, order: str) -> list[UUID]:
    """The documented order, computed independently of the service."""

    def key(task: TaskView) -> tuple[Any, ...]:
        if sort == "due_date":
            value: Any = (1, date.max) if task.due_date is None else (0, task.due_date)
        elif sort == "priority":
            value = _PRIORITY_RANK[task.priority.value]
        else:
            value = getattr(task, sort)
        return (value, task.id)

    return [t.id for t in sorted(tasks, key=key, reverse=order == "desc")]


task_specs = st.lists(
    st.fixed_dictionaries(
        {
            "priority": st.sampled_from(["low", "medium", "high"]),
            "status": st.sampled_from(["todo", "in_progress", "done"]),
            # A few distinct dates, so many tasks share one; None for undated tasks.
            "due_date": st.none() | st.dates(date(2024, 1, 1), date(2024, 1, 5)),
            # 0 makes tasks share created_at (ties broken by id).
            "minutes_later": st.sampled_from([0, 0, 1, 5]),
            "touch_later": st.booleans(),
            "second_team": st.sampled_from([0, 1]),
        }
    ),
    min_size=0,
    max_size=14,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=task_specs,
    limit=st.integers(1, 5),
    status_filter=st.none() | st.sampled_from(["todo", ["todo", "done"]]),
)
def test_walking_all_pages_yields_every_task_once_in_order(
    tf: TaskFlow,
    make_user: Any,
    clock: FakeClock,
    *,
    specs: list[dict[str, Any]],
    limit: int,
    status_filter: Any,
) -> None:
    # A fresh user with two fresh teams per example, so examples never see each other's
    # tasks: "my tasks" spans both teams, the team list only the first.
    owner = make_user(name="Walker")
    teams = [tf.teams.create(owner, name=f"Property {i}").id for i in range(2)]
    made = []
    for spec in specs:
        clock.advance(minutes=spec["minutes_later"])
        task = tf.tasks.create(
            owner,
            teams[spec["second_team"]],
            title="t",
            priority=spec["priority"],
            status=spec["status"],
            due_date=spec["due_date"],
        )
        made.append(task)
    for task, spec in zip(made, specs, strict=True):
        if spec["touch_later"]:  # spread updated_at, leaving some ties
            clock.advance(minutes=spec["minutes_later"])
            tf.tasks.update(owner, task.id, title="touched")
    current = [tf.tasks.get(owner, t.id) for t in made]
    wanted = {"todo"} if status_filter == "todo" else {"todo", "done"}
    if status_filter is not None:
        current = [t for t in current if t.status.value in wanted]
    in_first_team = [t for t in current if t.team_id == teams[0]]

    for sort in ("created_at", "updated_at", "due_date", "priority"):
        for order in ("asc", "desc"):
            options = {"sort": sort, "order": order, "limit": limit, "status": status_filter}
            team_walk = walk(partial(tf.tasks.list_team, owner, teams[0]), **options)
            assert [t.id for t in team_walk] == expected_order(in_first_team, sort, order)
            mine_walk = walk(partial(tf.tasks.list_mine, owner), **options)
            assert [t.id for t in mine_walk] == expected_order(current, sort, order)


def test_text_search_treats_wildcards_as_plain_text(tf: TaskFlow, crew: Crew) -> None:
    for title in ("50% done", "500 done", "snake_case", "snakeXcase", "back\\slash"):
        tf.tasks.create(crew.owner, crew.team_id, title=title)

    def found(q: str) -> list[str]:
        return sorted(t.title for t in tf.tasks.list_team(crew.owner, crew.team_id, q=q).items)

    assert found("50%") == ["50% done"]
    assert found("e_c") == ["snake_case"]
    assert found("%") == ["50% done"]
    assert found("\\") == ["back\\slash"]
    assert found("Snake") == ["snakeXcase", "snake_case"]
