"""Comments on tasks."""

from __future__ import annotations

from flask import Response

from taskflow.adapters.flask.edge import taskflow_blueprint
from taskflow.adapters.flask.helpers import (
    current_principal,
    get_taskflow,
    parse_body,
    parse_query,
    path_uuid,
    rate_limit,
    reply,
)
from taskflow.adapters.web.schemas import CommentIn, PageQuery, page_of
from taskflow.adapters.web.serializers import comment_out

__all__ = ["blueprint"]

blueprint = taskflow_blueprint("taskflow_comments", __name__)
blueprint.before_request(rate_limit)


@blueprint.get("/tasks/<task_id>/comments")
def list_comments(task_id: str) -> Response:
    principal = current_principal()
    task_uuid = path_uuid(task_id, "task_id")
    query = parse_query(PageQuery)
    page = get_taskflow().comments.list(
        principal.user_id, task_uuid, limit=query.limit, cursor=query.cursor
    )
    return reply(page_of(page.items, comment_out, page.next_cursor))


@blueprint.post("/tasks/<task_id>/comments")
def add_comment(task_id: str) -> Response:
    principal = current_principal()
    task_uuid = path_uuid(task_id, "task_id")
    body = parse_body(CommentIn)
    comment = get_taskflow().comments.add(principal.user_id, task_uuid, content=body.content)
    return reply(comment_out(comment), 201)


@blueprint.patch("/comments/<comment_id>")
def edit_comment(comment_id: str) -> Response:
    principal = current_principal()
    comment_uuid = path_uuid(comment_id, "comment_id")
    body = parse_body(CommentIn)
    comment = get_taskflow().comments.edit(principal.user_id, comment_uuid, content=body.content)
    return reply(comment_out(comment))


@blueprint.delete("/comments/<comment_id>")
def delete_comment(comment_id: str) -> Response:
    principal = current_principal()
    get_taskflow().comments.delete(principal.user_id, path_uuid(comment_id, "comment_id"))
    return reply(None, 204)
