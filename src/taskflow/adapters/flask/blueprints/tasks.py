"""Tasks: create, list (with filters and cursors), read, change, complete, delete, restore,
assign, activity."""

from __future__ import annotations

from flask import Response, request

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
from taskflow.adapters.web.conditions import etag_for_version, parse_if_match
from taskflow.adapters.web.schemas import (
    ActivityOut,
    AssignIn,
    PageQuery,
    TaskCreateIn,
    TaskListQuery,
    TaskUpdateIn,
    page_of,
)
from taskflow.adapters.web.serializers import task_out
from taskflow.services.read_models import TaskView

__all__ = ["blueprint"]

blueprint = taskflow_blueprint("taskflow_tasks", __name__)
blueprint.before_request(rate_limit)


def _task_reply(task: TaskView, status: int = 200) -> Response:
    return reply(task_out(task), status, {"ETag": etag_for_version(task.version)})


@blueprint.get("/teams/<team_id>/tasks")
def list_team_tasks(team_id: str) -> Response:
    principal = current_principal()
    team_uuid = path_uuid(team_id, "team_id")
    query = parse_query(TaskListQuery)
    page = get_taskflow().tasks.list_team(principal.user_id, team_uuid, **query.filters())
    return reply(page_of(page.items, task_out, page.next_cursor))


@blueprint.post("/teams/<team_id>/tasks")
def create_task(team_id: str) -> Response:
    principal = current_principal()
    team_uuid = path_uuid(team_id, "team_id")
    body = parse_body(TaskCreateIn)
    task = get_taskflow().tasks.create(
        principal.user_id,
        team_uuid,
        title=body.title,
        description=body.description,
        priority=body.priority,
        status=body.status,
        assignee_id=body.assignee_id,
        due_date=body.due_date,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return _task_reply(task, 201)


@blueprint.get("/me/tasks")
def list_my_tasks() -> Response:
    principal = current_principal()
    query = parse_query(TaskListQuery)
    page = get_taskflow().tasks.list_mine(principal.user_id, **query.filters())
    return reply(page_of(page.items, task_out, page.next_cursor))


@blueprint.get("/tasks/<task_id>")
def get_task(task_id: str) -> Response:
    principal = current_principal()
    return _task_reply(get_taskflow().tasks.get(principal.user_id, path_uuid(task_id, "task_id")))


@blueprint.patch("/tasks/<task_id>")
def update_task(task_id: str) -> Response:
    principal = current_principal()
    task_uuid = path_uuid(task_id, "task_id")
    expected_version = parse_if_match(request.headers.get("If-Match"))
    body = parse_body(TaskUpdateIn)
    task = get_taskflow().tasks.update(
        principal.user_id, task_uuid, expected_version=expected_version, **body.changes()
    )
    return _task_reply(task)


@blueprint.delete("/tasks/<task_id>")
def delete_task(task_id: str) -> Response:
    principal = current_principal()
    get_taskflow().tasks.delete(principal.user_id, path_uuid(task_id, "task_id"))
    return reply(None, 204)


@blueprint.post("/tasks/<task_id>/complete")
def complete_task(task_id: str) -> Response:
    principal = current_principal()
    task_uuid = path_uuid(task_id, "task_id")
    return _task_reply(get_taskflow().tasks.complete(principal.user_id, task_uuid))


@blueprint.post("/tasks/<task_id>/reopen")
def reopen_task(task_id: str) -> Response:
    principal = current_principal()
    task_uuid = path_uuid(task_id, "task_id")
    return _task_reply(get_taskflow().tasks.reopen(principal.user_id, task_uuid))


@blueprint.post("/tasks/<task_id>/restore")
def restore_task(task_id: str) -> Response:
    principal = current_principal()
    task_uuid = path_uuid(task_id, "task_id")
    return _task_reply(get_taskflow().tasks.restore(principal.user_id, task_uuid))


@blueprint.post("/tasks/<task_id>/assign")
def assign_task(task_id: str) -> Response:
    principal = current_principal()
    task_uuid = path_uuid(task_id, "task_id")
    body = parse_body(AssignIn)
    return _task_reply(
        get_taskflow().tasks.assign(principal.user_id, task_uuid, assignee_id=body.assignee_id)
    )


@blueprint.get("/tasks/<task_id>/activity")
def task_activity(task_id: str) -> Response:
    principal = current_principal()
    task_uuid = path_uuid(task_id, "task_id")
    query = parse_query(PageQuery)
    page = get_taskflow().tasks.activity(
        principal.user_id, task_uuid, limit=query.limit, cursor=query.cursor
    )
    return reply(page_of(page.items, ActivityOut.of, page.next_cursor))
