"""The comment service: add, list (oldest first, paginated), edit own, delete own or as admin."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from crew import Crew

from taskflow import TaskFlow
from taskflow.domain.models import UserRef
from taskflow.errors import (
    CommentNotFound,
    InvalidInput,
    NotTeamMember,
    PermissionDenied,
    TaskNotFound,
)
from taskflow.services.read_models import CommentView, TaskView
from taskflow.testing import FakeClock


@pytest.fixture
def task(tf: TaskFlow, crew: Crew) -> TaskView:
    return tf.tasks.create(crew.creator, crew.team_id, title="Discuss", assignee_id=crew.assignee)


def comment_by(tf: TaskFlow, author: Any, task: TaskView, content: str = "Nice") -> CommentView:
    return tf.comments.add(author, task.id, content=content)


@pytest.mark.parametrize("role", ["owner", "admin", "member", "creator", "assignee"])
def test_every_member_may_comment(
    tf: TaskFlow, crew: Crew, task: TaskView, clock: FakeClock, role: str
) -> None:
    author = getattr(crew, role)
    comment = comment_by(tf, author, task)
    assert comment.author == UserRef(id=author, name=role.capitalize())
    assert comment.task_id == task.id
    assert comment.content == "Nice"
    assert comment.created_at == comment.updated_at == clock.now()


def test_content_is_trimmed_and_otherwise_stored_as_given(
    tf: TaskFlow, crew: Crew, task: TaskView
) -> None:
    text = "سلام <script>alert('x')</script> &amp; 🎉\n\nsecond   paragraph"
    comment = comment_by(tf, crew.member, task, f"  \n{text}\t ")
    assert comment.content == text
    assert tf.comments.list(crew.owner, task.id).items[0].content == text


@pytest.mark.parametrize("content", ["", "   \n\t", "x" * 10_001])
def test_bad_content_is_refused(tf: TaskFlow, crew: Crew, task: TaskView, content: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        comment_by(tf, crew.member, task, content)
    assert [e["field"] for e in caught.value.errors] == ["content"]


def test_content_of_10000_characters_is_fine(tf: TaskFlow, crew: Crew, task: TaskView) -> None:
    assert len(comment_by(tf, crew.member, task, "ب" * 10_000).content) == 10_000


def test_non_members_and_missing_tasks(tf: TaskFlow, crew: Crew, task: TaskView) -> None:
    with pytest.raises(NotTeamMember):
        comment_by(tf, crew.outsider, task)
    with pytest.raises(NotTeamMember):
        tf.comments.list(crew.outsider, task.id)
    with pytest.raises(TaskNotFound):
        tf.comments.add(crew.member, uuid4(), content="x")
    with pytest.raises(TaskNotFound):
        tf.comments.list(crew.member, uuid4())


def test_comments_list_oldest_first_with_pages(
    tf: TaskFlow, crew: Crew, task: TaskView, clock: FakeClock
) -> None:
    made = []
    for i in range(7):
        if i % 2:
            clock.advance(seconds=1)  # some share a timestamp: the id breaks the tie
        made.append(comment_by(tf, crew.member, task, f"c{i}"))
    seen: list[CommentView] = []
    cursor = None
    while True:
        page = tf.comments.list(crew.owner, task.id, limit=3, cursor=cursor)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == made
    assert [c.content for c in tf.comments.list(crew.owner, task.id).items] == [
        f"c{i}" for i in range(7)
    ]


def test_comments_of_one_task_only(tf: TaskFlow, crew: Crew, task: TaskView) -> None:
    other = tf.tasks.create(crew.member, crew.team_id, title="Other")
    comment_by(tf, crew.member, other, "elsewhere")
    mine = comment_by(tf, crew.member, task, "here")
    assert tf.comments.list(crew.member, task.id).items == [mine]


@pytest.mark.parametrize("bad", [{"limit": 0}, {"limit": 101}, {"cursor": "!!"}])
def test_bad_page_requests(tf: TaskFlow, crew: Crew, task: TaskView, bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        tf.comments.list(crew.member, task.id, **bad)


def test_the_author_edits_their_comment(
    tf: TaskFlow, crew: Crew, task: TaskView, clock: FakeClock
) -> None:
    comment = comment_by(tf, crew.member, task, "tpyo")
    clock.advance(minutes=2)
    edited = tf.comments.edit(crew.member, comment.id, content="  typo fixed ")
    assert edited.content == "typo fixed"
    assert edited.created_at == comment.created_at
    assert edited.updated_at == clock.now()
    assert tf.comments.list(crew.owner, task.id).items == [edited]


@pytest.mark.parametrize("role", ["owner", "admin", "creator", "assignee", "member"])
def test_nobody_else_edits_a_comment(tf: TaskFlow, crew: Crew, task: TaskView, role: str) -> None:
    author = crew.member if role != "member" else crew.creator
    comment = comment_by(tf, author, task)
    with pytest.raises(PermissionDenied):
        tf.comments.edit(getattr(crew, role), comment.id, content="hijacked")
    assert tf.comments.list(crew.owner, task.id).items == [comment]


def test_edit_validates_content(tf: TaskFlow, crew: Crew, task: TaskView) -> None:
    comment = comment_by(tf, crew.member, task)
    with pytest.raises(InvalidInput):
        tf.comments.edit(crew.member, comment.id, content=" ")


@pytest.mark.parametrize("deleter", ["author", "admin", "owner"])
def test_the_author_an_admin_or_the_owner_deletes(
    tf: TaskFlow, crew: Crew, task: TaskView, deleter: str
) -> None:
    comment = comment_by(tf, crew.member, task)
    tf.comments.delete(crew.member if deleter == "author" else getattr(crew, deleter), comment.id)
    assert tf.comments.list(crew.owner, task.id).items == []
    with pytest.raises(CommentNotFound):
        tf.comments.delete(crew.owner, comment.id)
    with pytest.raises(CommentNotFound):
        tf.comments.edit(crew.member, comment.id, content="back?")


@pytest.mark.parametrize("role", ["creator", "assignee"])
def test_plain_members_delete_only_their_own(
    tf: TaskFlow, crew: Crew, task: TaskView, role: str
) -> None:
    comment = comment_by(tf, crew.member, task)
    with pytest.raises(PermissionDenied):
        tf.comments.delete(getattr(crew, role), comment.id)
    assert tf.comments.list(crew.owner, task.id).items == [comment]


def test_admins_delete_but_never_edit_an_admins_or_owners_comment(
    tf: TaskFlow, crew: Crew, task: TaskView
) -> None:
    by_owner = comment_by(tf, crew.owner, task)
    with pytest.raises(PermissionDenied):
        tf.comments.edit(crew.admin, by_owner.id, content="x")
    tf.comments.delete(crew.admin, by_owner.id)
    assert tf.comments.list(crew.owner, task.id).items == []


def test_outsiders_cannot_reach_comments_by_id(tf: TaskFlow, crew: Crew, task: TaskView) -> None:
    comment = comment_by(tf, crew.member, task)
    with pytest.raises(NotTeamMember):
        tf.comments.edit(crew.outsider, comment.id, content="x")
    with pytest.raises(NotTeamMember):
        tf.comments.delete(crew.outsider, comment.id)
    with pytest.raises(CommentNotFound):
        tf.comments.edit(crew.member, uuid4(), content="x")
    with pytest.raises(CommentNotFound):
        tf.comments.delete(crew.member, uuid4())


def test_an_author_who_left_the_team_cannot_touch_their_comment(
    tf: TaskFlow, crew: Crew, task: TaskView
) -> None:
    comment = comment_by(tf, crew.member, task)
    tf.teams.leave(crew.member, crew.team_id)
    with pytest.raises(NotTeamMember):
        tf.comments.edit(crew.member, comment.id, content="x")
    with pytest.raises(NotTeamMember):
        tf.comments.delete(crew.member, comment.id)
    assert tf.comments.list(crew.owner, task.id).items[0].author.name == "Member"


def test_comments_of_a_deleted_task_are_out_of_reach_until_restored(
    tf: TaskFlow, crew: Crew, task: TaskView
) -> None:
    comment = comment_by(tf, crew.member, task)
    tf.tasks.delete(crew.creator, task.id)
    for action in (
        lambda: tf.comments.list(crew.member, task.id),
        lambda: tf.comments.add(crew.member, task.id, content="x"),
        lambda: tf.comments.edit(crew.member, comment.id, content="x"),
        lambda: tf.comments.delete(crew.member, comment.id),
    ):
        with pytest.raises(TaskNotFound):
            action()
    tf.tasks.restore(crew.creator, task.id)
    assert tf.comments.list(crew.member, task.id).items == [comment]


def test_a_comment_adds_a_commented_activity(tf: TaskFlow, crew: Crew, task: TaskView) -> None:
    comment_by(tf, crew.admin, task)
    last = tf.tasks.activity(crew.member, task.id).items[-1]
    assert (last.kind.value, last.actor_id) == ("commented", crew.admin)


def test_a_failed_comment_adds_no_activity(tf: TaskFlow, crew: Crew, task: TaskView) -> None:
    before = tf.tasks.activity(crew.member, task.id).items
    with pytest.raises(InvalidInput):
        comment_by(tf, crew.member, task, " ")
    assert tf.tasks.activity(crew.member, task.id).items == before
