"""Tasks: create, list (with filters and cursors), read, change, complete, delete, restore,
assign, activity."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from taskflow.adapters.fastapi.dependencies import (
    CurrentPrincipal,
    TaskFlowDep,
    bearer_credentials,
    error_responses,
    get_runtime,
    in_service_thread,
    rate_limit,
)
from taskflow.adapters.fastapi.responses import JSONBytesResponse
from taskflow.adapters.fastapi.routing import TaskflowRoute, token_checked_in_endpoint
from taskflow.adapters.web.conditions import etag_for_version, parse_if_match
from taskflow.adapters.web.schemas import (
    ActivityOut,
    AssignIn,
    PageOut,
    PageQuery,
    TaskCreateIn,
    TaskListQuery,
    TaskOut,
    TaskUpdateIn,
    page_of,
)
from taskflow.adapters.web.serializers import task_json, task_out, task_page_json
from taskflow.bootstrap import TaskFlow
from taskflow.services.read_models import TaskView

__all__ = ["router"]

router = APIRouter(tags=["tasks"], dependencies=[Depends(rate_limit)], route_class=TaskflowRoute)

_ETAG = {
    "ETag": {
        "description": 'The task\'s version, e.g. "3": send it in If-Match.',
        "schema": {"type": "string"},
    }
}


BearerCredentials = Annotated[HTTPAuthorizationCredentials, Depends(bearer_credentials)]


def _with_etag(response: Response, task: TaskView) -> TaskOut:
    response.headers["ETag"] = etag_for_version(task.version)
    return task_out(task)


def _ok(*statuses: int) -> dict[int | str, dict[str, object]]:
    responses: dict[int | str, dict[str, object]] = {200: {"headers": _ETAG}}
    responses.update(error_responses(*statuses))
    return responses


# The two busiest endpoints take ONE hop to the service threads per request, in which the
# token is checked, the service called and the answer serialized (as GET /auth/me): with
# ``CurrentPrincipal`` and a plain ``def`` endpoint they took two (the token check, then
# the call), and FastAPI validated the returned model again before encoding it.
# ``bearer_credentials`` (no I/O) stays a dependency, so the security requirement in the
# OpenAPI document and the 401 for a missing token are as before; the route answers a
# request with bad input after checking the token (``token_checked_in_endpoint``), in the
# order the principal dependency gave: 401 before 400. ``response_model`` documents the
# body that ``task_json``/``task_page_json`` write (compared in tests/http).


@router.get(
    "/teams/{team_id}/tasks",
    response_model=PageOut[TaskOut],
    response_class=JSONBytesResponse,
    responses=error_responses(400, 401, 403, 404),
)
@token_checked_in_endpoint
async def list_team_tasks(
    team_id: UUID,
    query: Annotated[TaskListQuery, Query()],
    credentials: BearerCredentials,
    request: Request,
) -> Response:
    """A page of the team's tasks (any member). Filters combine with AND."""
    tf = get_runtime(request).tf
    return await in_service_thread(
        request, _list_team_tasks, tf, credentials.credentials, team_id, query
    )


def _list_team_tasks(tf: TaskFlow, token: str, team_id: UUID, query: TaskListQuery) -> Response:
    principal = tf.auth.validate_token(token)
    page = tf.tasks.list_team(principal.user_id, team_id, **query.filters())
    return JSONBytesResponse(task_page_json(page.items, page.next_cursor))


@router.post(
    "/teams/{team_id}/tasks",
    status_code=201,
    response_model=TaskOut,
    response_class=JSONBytesResponse,
    responses={201: {"headers": _ETAG}, **error_responses(400, 401, 403, 404, 413)},
)
@token_checked_in_endpoint
async def create_task(
    team_id: UUID,
    *,
    body: TaskCreateIn,
    credentials: BearerCredentials,
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Retrying with the same key returns the task the first call made.",
        ),
    ] = None,
) -> Response:
    """Create a task (any member of the team)."""
    tf = get_runtime(request).tf
    return await in_service_thread(
        request, _create_task, tf, credentials.credentials, team_id, body, idempotency_key
    )


def _create_task(
    tf: TaskFlow, token: str, team_id: UUID, body: TaskCreateIn, idempotency_key: str | None
) -> Response:
    principal = tf.auth.validate_token(token)
    task = tf.tasks.create(
        principal.user_id,
        team_id,
        title=body.title,
        description=body.description,
        priority=body.priority,
        status=body.status,
        assignee_id=body.assignee_id,
        due_date=body.due_date,
        idempotency_key=idempotency_key,
    )
    return JSONBytesResponse(
        task_json(task), status_code=201, headers={"ETag": etag_for_version(task.version)}
    )


@router.get("/me/tasks", responses=error_responses(400, 401))
def list_my_tasks(
    query: Annotated[TaskListQuery, Query()], principal: CurrentPrincipal, tf: TaskFlowDep
) -> PageOut[TaskOut]:
    """A page of the tasks of every team the caller belongs to (filter with
    ``assignee_id`` for the caller's own)."""
    page = tf.tasks.list_mine(principal.user_id, **query.filters())
    return page_of(page.items, task_out, page.next_cursor)


@router.get("/tasks/{task_id}", responses=_ok(400, 401, 403, 404))
def get_task(
    task_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep, response: Response
) -> TaskOut:
    return _with_etag(response, tf.tasks.get(principal.user_id, task_id))


@router.patch("/tasks/{task_id}", responses=_ok(400, 401, 403, 404, 409, 413))
def update_task(
    task_id: UUID,
    *,
    body: TaskUpdateIn,
    principal: CurrentPrincipal,
    tf: TaskFlowDep,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The version read (ETag, e.g. "3"); a task changed since is refused '
            "with 409 version_conflict.",
        ),
    ] = None,
) -> TaskOut:
    """Change the fields sent (creator, assignee, admin or owner)."""
    task = tf.tasks.update(
        principal.user_id, task_id, expected_version=parse_if_match(if_match), **body.changes()
    )
    return _with_etag(response, task)


@router.delete(
    "/tasks/{task_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 403, 404),
)
def delete_task(task_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    """Delete a task (creator, admin or owner); ``/restore`` undoes it."""
    tf.tasks.delete(principal.user_id, task_id)


@router.post("/tasks/{task_id}/complete", responses=_ok(400, 401, 403, 404))
def complete_task(
    task_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep, response: Response
) -> TaskOut:
    return _with_etag(response, tf.tasks.complete(principal.user_id, task_id))


@router.post("/tasks/{task_id}/reopen", responses=_ok(400, 401, 403, 404))
def reopen_task(
    task_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep, response: Response
) -> TaskOut:
    return _with_etag(response, tf.tasks.reopen(principal.user_id, task_id))


@router.post("/tasks/{task_id}/restore", responses=_ok(400, 401, 403, 404))
def restore_task(
    task_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep, response: Response
) -> TaskOut:
    """Bring back a deleted task (creator, admin or owner)."""
    return _with_etag(response, tf.tasks.restore(principal.user_id, task_id))


@router.post("/tasks/{task_id}/assign", responses=_ok(400, 401, 403, 404, 413))
def assign_task(
    task_id: UUID, body: AssignIn, principal: CurrentPrincipal, tf: TaskFlowDep, response: Response
) -> TaskOut:
    """Assign the task to a member of its team, or unassign it with ``null``."""
    return _with_etag(
        response, tf.tasks.assign(principal.user_id, task_id, assignee_id=body.assignee_id)
    )


@router.get("/tasks/{task_id}/activity", responses=error_responses(400, 401, 403, 404))
def task_activity(
    task_id: UUID,
    query: Annotated[PageQuery, Query()],
    principal: CurrentPrincipal,
    tf: TaskFlowDep,
) -> PageOut[ActivityOut]:
    """The task's history, oldest first."""
    page = tf.tasks.activity(principal.user_id, task_id, limit=query.limit, cursor=query.cursor)
    return page_of(page.items, ActivityOut.of, page.next_cursor)
