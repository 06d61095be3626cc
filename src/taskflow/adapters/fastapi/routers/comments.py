"""Comments on tasks."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from taskflow.adapters.fastapi.dependencies import (
    CurrentPrincipal,
    TaskFlowDep,
    error_responses,
    rate_limit,
)
from taskflow.adapters.fastapi.routing import TaskflowRoute, operation_id
from taskflow.adapters.web.schemas import CommentIn, CommentOut, PageOut, PageQuery, page_of
from taskflow.adapters.web.serializers import comment_out

__all__ = ["router"]

router = APIRouter(
    tags=["comments"],
    dependencies=[Depends(rate_limit)],
    route_class=TaskflowRoute,
    generate_unique_id_function=operation_id,
)


@router.get("/tasks/{task_id}/comments", responses=error_responses(400, 401, 403, 404))
def list_comments(
    task_id: UUID,
    query: Annotated[PageQuery, Query()],
    principal: CurrentPrincipal,
    tf: TaskFlowDep,
) -> PageOut[CommentOut]:
    """The task's comments, oldest first."""
    page = tf.comments.list(principal.user_id, task_id, limit=query.limit, cursor=query.cursor)
    return page_of(page.items, comment_out, page.next_cursor)


@router.post(
    "/tasks/{task_id}/comments", status_code=201, responses=error_responses(400, 401, 403, 404, 413)
)
def add_comment(
    task_id: UUID, body: CommentIn, principal: CurrentPrincipal, tf: TaskFlowDep
) -> CommentOut:
    return comment_out(tf.comments.add(principal.user_id, task_id, content=body.content))


@router.patch("/comments/{comment_id}", responses=error_responses(400, 401, 403, 404, 413))
def edit_comment(
    comment_id: UUID, body: CommentIn, principal: CurrentPrincipal, tf: TaskFlowDep
) -> CommentOut:
    """Edit a comment (its author only)."""
    return comment_out(tf.comments.edit(principal.user_id, comment_id, content=body.content))


@router.delete(
    "/comments/{comment_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 403, 404),
)
def delete_comment(comment_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    """Delete a comment (its author, or an admin or owner of the team)."""
    tf.comments.delete(principal.user_id, comment_id)
