"""The comment service: comments on tasks.

Any member of a task's team reads and adds comments; the author edits and deletes their
own; an admin or the owner may also delete anyone's (but edits only their own). A comment
of a deleted task is out of reach (``TaskNotFound``) until the task is restored.

Content is 1 to 10,000 characters once surrounding spaces are trimmed, and stored as
given otherwise (Persian, emoji, ``<script>`` text: untouched; escape it where it is
rendered). Adding a comment records a ``commented`` activity on its task.

Comments reach people through two events, handled by the worker
(``taskflow.notifications.routing``): ``comment.added`` ``{comment_id, task_id,
team_id, author_id, mentioned_ids}`` tells the task's creator and assignee, and the
members the comment mentions; ``comment.edited`` (same payload, ``mentioned_ids`` being
only the members the edit mentions for the first time) tells those. A mention is the
token ``@[user:<uuid>]`` (``taskflow.domain.mentions``); only members of the task's team
other than the author count, and each is listed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Final
from uuid import UUID

import attrs

from taskflow.domain.mentions import mentioned_ids
from taskflow.domain.models import ActivityKind, Comment, Membership, Task, UserRef
from taskflow.domain.queries import TimeKey
from taskflow.errors import CommentNotFound
from taskflow.events import COMMENT_ADDED, COMMENT_EDITED, make_event
from taskflow.ids import new_id
from taskflow.pagination import CursorCodec, Page
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.services.activity import record_activity, user_refs
from taskflow.services.permissions import (
    check_comment_delete,
    check_comment_edit,
    require_task_member,
)
from taskflow.services.read_models import CommentView
from taskflow.services.task_inputs import PageRequest
from taskflow.validation import InputModel, trimmed, validate

__all__ = ["MAX_COMMENT_LENGTH", "CommentService"]

MAX_COMMENT_LENGTH: Final = 10_000


class _Content(InputModel):
    content: Annotated[str, trimmed(1, MAX_COMMENT_LENGTH)]


class CommentService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, cursors: CursorCodec) -> None:
        self._uow = uow
        self._clock = clock
        self._cursors = cursors

    def add(self, actor_id: UUID, task_id: UUID, *, content: str) -> CommentView:
        """Comment on a task of one of the actor's teams."""
        data = validate(_Content, content=content)
        now = self._clock.now()
        with self._uow() as uow:
            task, _ = require_task_member(uow, task_id, actor_id)
            comment = Comment(
                id=new_id(),
                task_id=task.id,
                user_id=actor_id,
                content=data.content,
                created_at=now,
                updated_at=now,
            )
            uow.comments.add(comment)
            record_activity(uow, task.id, actor_id, ActivityKind.COMMENTED, now)
            mentioned = _mentioned_members(uow, task, comment)
            uow.emit(make_event(COMMENT_ADDED, _payload(task, comment, mentioned), now))
            view = _views(uow, [comment])[0]
            uow.commit()
        return view

    def list(
        self, actor_id: UUID, task_id: UUID, *, limit: int = 50, cursor: str | None = None
    ) -> Page[CommentView]:
        """A task's comments, oldest first; pass ``next_cursor`` back for the next page."""
        request = validate(PageRequest, limit=limit, cursor=cursor)
        after = self._cursors.decode_time(request.cursor) if request.cursor is not None else None
        with self._uow(read_only=True) as uow:
            require_task_member(uow, task_id, actor_id)
            rows = uow.comments.list_for_task(task_id, after, request.limit)
            items = _views(uow, rows.items)
        next_cursor = None
        if rows.has_more and items:
            last = items[-1]
            next_cursor = self._cursors.encode_time(TimeKey(created_at=last.created_at, id=last.id))
        return Page(items=items, next_cursor=next_cursor)

    def edit(self, actor_id: UUID, comment_id: UUID, *, content: str) -> CommentView:
        """Change the text of one's own comment (nobody edits someone else's)."""
        data = validate(_Content, content=content)
        now = self._clock.now()
        with self._uow() as uow:
            comment, task, _ = self._require_comment(uow, comment_id, actor_id)
            check_comment_edit(comment, actor_id)
            if data.content != comment.content:
                before = set(mentioned_ids(comment.content))
                comment = attrs.evolve(comment, content=data.content, updated_at=now)
                uow.comments.update(comment)
                mentioned = [
                    user_id
                    for user_id in _mentioned_members(uow, task, comment)
                    if user_id not in before
                ]
                uow.emit(make_event(COMMENT_EDITED, _payload(task, comment, mentioned), now))
            view = _views(uow, [comment])[0]
            uow.commit()
        return view

    def delete(self, actor_id: UUID, comment_id: UUID) -> None:
        """Delete one's own comment, or any comment as an admin or the owner."""
        with self._uow() as uow:
            comment, _, membership = self._require_comment(uow, comment_id, actor_id)
            check_comment_delete(comment, membership)
            uow.comments.delete(comment.id)
            uow.commit()

    @staticmethod
    def _require_comment(
        uow: UnitOfWork, comment_id: UUID, actor_id: UUID
    ) -> tuple[Comment, Task, Membership]:
        comment = uow.comments.get(comment_id)
        if comment is None:
            raise CommentNotFound()
        # The task's checks: 404 if it was deleted, 403 if the actor is not in its team.
        task, membership = require_task_member(uow, comment.task_id, actor_id)
        return comment, task, membership


def _mentioned_members(uow: UnitOfWork, task: Task, comment: Comment) -> list[UUID]:
    """The members of the task's team the comment mentions, the author excepted, in the
    order of their first mention (one read of the team's members, only if any token)."""
    author = comment.user_id
    mentioned = [user_id for user_id in mentioned_ids(comment.content) if user_id != author]
    if not mentioned:
        return []
    members = {m.user_id for m in uow.members.list_for_team(task.team_id)}
    return [user_id for user_id in mentioned if user_id in members]


def _payload(task: Task, comment: Comment, mentioned: Sequence[UUID]) -> dict[str, object]:
    return {
        "comment_id": str(comment.id),
        "task_id": str(task.id),
        "team_id": str(task.team_id),
        "author_id": str(comment.user_id),
        "mentioned_ids": [str(user_id) for user_id in mentioned],
    }


def _views(uow: UnitOfWork, comments: Sequence[Comment]) -> list[CommentView]:
    refs = user_refs(uow, (c.user_id for c in comments))
    return [
        CommentView(
            id=c.id,
            task_id=c.task_id,
            author=refs.get(c.user_id) or UserRef(id=c.user_id, name=""),
            content=c.content,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in comments
    ]
