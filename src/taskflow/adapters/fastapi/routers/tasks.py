"""Tasks: create, list (with filters and cursors), read, change, complete, delete, restore,
assign, activity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from taskflow.adapters.fastapi.dependencies import (
    awaited_host_user,
    bearer_scheme,
    error_responses,
    get_runtime,
    in_service_thread,
    principal_of,
    rate_limit,
)
from taskflow.adapters.fastapi.responses import JSONBytesResponse
from taskflow.adapters.fastapi.routing import (
    TaskflowRoute,
    operation_id,
    token_checked_in_endpoint,
)
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
from taskflow.adapters.web.serializers import task_json, task_page_json
from taskflow.bootstrap import TaskFlow
from taskflow.domain.host_users import HostUserId
from taskflow.errors import AuthenticationFailed
from taskflow.services.read_models import TaskView

__all__ = ["router"]

router = APIRouter(
    tags=["tasks"],
    dependencies=[Depends(rate_limit)],
    route_class=TaskflowRoute,
    generate_unique_id_function=operation_id,
)

_ETAG = {
    "ETag": {
        "description": 'The task\'s version, e.g. "3": send it in If-Match.',
        "schema": {"type": "string"},
    }
}


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
"""The bearer token if sent (401 without one is ``_in_one_hop``'s: in identity mode the
host names the caller instead)."""


async def _in_one_hop(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    call: Callable[[TaskFlow, UUID], Response],
) -> Response:
    """``call(tf, user_id)`` for the caller (the token's user, or in identity mode the
    host's), the check and the call in ONE hop to the service threads."""
    if credentials is None and get_runtime(request).identity is None:
        raise AuthenticationFailed()  # no token: refused before any hop
    host_user_id = await awaited_host_user(request)
    token = credentials.credentials if credentials is not None else None
    return await in_service_thread(request, _as_the_caller, request, token, host_user_id, call)


def _as_the_caller(
    request: Request,
    token: str | None,
    host_user_id: HostUserId | None,
    call: Callable[[TaskFlow, UUID], Response],
) -> Response:
    principal = principal_of(request, token, host_user_id)
    return call(get_runtime(request).tf, principal.user_id)


def _task_reply(task: TaskView, status_code: int = 200) -> Response:
    headers = {"ETag": etag_for_version(task.version)}
    return JSONBytesResponse(task_json(task), status_code=status_code, headers=headers)


def _ok(*statuses: int) -> dict[int | str, dict[str, object]]:
    responses: dict[int | str, dict[str, object]] = {200: {"headers": _ETAG}}
    responses.update(error_responses(*statuses))
    return responses


# Every task endpoint takes ONE hop to the service threads per request, in which the token
# is checked, the service called and the answer serialized (as GET /auth/me): with
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

    def call(tf: TaskFlow, user_id: UUID) -> Response:
        page = tf.tasks.list_team(user_id, team_id, **query.filters())
        return JSONBytesResponse(task_page_json(page.items, page.next_cursor))

    return await _in_one_hop(request, credentials, call)


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

    def call(tf: TaskFlow, user_id: UUID) -> Response:
        task = tf.tasks.create(
            user_id,
            team_id,
            title=body.title,
            description=body.description,
            priority=body.priority,
            status=body.status,
            assignee_id=body.assignee_id,
            due_date=body.due_date,
            idempotency_key=idempotency_key,
        )
        return _task_reply(task, status_code=201)

    return await _in_one_hop(request, credentials, call)


@router.get(
    "/me/tasks",
    response_model=PageOut[TaskOut],
    response_class=JSONBytesResponse,
    responses=error_responses(400, 401),
)
@token_checked_in_endpoint
async def list_my_tasks(
    query: Annotated[TaskListQuery, Query()], credentials: BearerCredentials, request: Request
) -> Response:
    """A page of the tasks of every team the caller belongs to (filter with
    ``assignee_id`` for the caller's own)."""

    def call(tf: TaskFlow, user_id: UUID) -> Response:
        page = tf.tasks.list_mine(user_id, **query.filters())
        return JSONBytesResponse(task_page_json(page.items, page.next_cursor))

    return await _in_one_hop(request, credentials, call)


@router.get(
    "/tasks/{task_id}",
    response_model=TaskOut,
    response_class=JSONBytesResponse,
    responses=_ok(400, 401, 403, 404),
)
@token_checked_in_endpoint
async def get_task(task_id: UUID, credentials: BearerCredentials, request: Request) -> Response:
    return await _in_one_hop(
        request, credentials, lambda tf, user_id: _task_reply(tf.tasks.get(user_id, task_id))
    )


@router.patch(
    "/tasks/{task_id}",
    response_model=TaskOut,
    response_class=JSONBytesResponse,
    responses=_ok(400, 401, 403, 404, 409, 413),
)
@token_checked_in_endpoint
async def update_task(
    task_id: UUID,
    *,
    body: TaskUpdateIn,
    credentials: BearerCredentials,
    request: Request,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The version read (ETag, e.g. "3"); a task changed since is refused '
            "with 409 version_conflict.",
        ),
    ] = None,
) -> Response:
    """Change the fields sent (creator, assignee, admin or owner)."""

    def call(tf: TaskFlow, user_id: UUID) -> Response:
        expected_version = parse_if_match(if_match)  # after the token check, as before
        return _task_reply(
            tf.tasks.update(user_id, task_id, expected_version=expected_version, **body.changes())
        )

    return await _in_one_hop(request, credentials, call)


@router.delete(
    "/tasks/{task_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 403, 404),
)
@token_checked_in_endpoint
async def delete_task(task_id: UUID, credentials: BearerCredentials, request: Request) -> Response:
    """Delete a task (creator, admin or owner); ``/restore`` undoes it."""

    def call(tf: TaskFlow, user_id: UUID) -> Response:
        tf.tasks.delete(user_id, task_id)
        return Response(status_code=204)

    return await _in_one_hop(request, credentials, call)


@router.post(
    "/tasks/{task_id}/complete",
    response_model=TaskOut,
    response_class=JSONBytesResponse,
    responses=_ok(400, 401, 403, 404),
)
@token_checked_in_endpoint
async def complete_task(
    task_id: UUID, credentials: BearerCredentials, request: Request
) -> Response:
    return await _in_one_hop(
        request, credentials, lambda tf, user_id: _task_reply(tf.tasks.complete(user_id, task_id))
    )


@router.post(
    "/tasks/{task_id}/reopen",
    response_model=TaskOut,
    response_class=JSONBytesResponse,
    responses=_ok(400, 401, 403, 404),
)
@token_checked_in_endpoint
async def reopen_task(task_id: UUID, credentials: BearerCredentials, request: Request) -> Response:
    return await _in_one_hop(
        request, credentials, lambda tf, user_id: _task_reply(tf.tasks.reopen(user_id, task_id))
    )


@router.post(
    "/tasks/{task_id}/restore",
    response_model=TaskOut,
    response_class=JSONBytesResponse,
    responses=_ok(400, 401, 403, 404),
)
@token_checked_in_endpoint
async def restore_task(task_id: UUID, credentials: BearerCredentials, request: Request) -> Response:
    """Bring back a deleted task (creator, admin or owner)."""
    return await _in_one_hop(
        request, credentials, lambda tf, user_id: _task_reply(tf.tasks.restore(user_id, task_id))
    )


@router.post(
    "/tasks/{task_id}/assign",
    response_model=TaskOut,
    response_class=JSONBytesResponse,
    responses=_ok(400, 401, 403, 404, 413),
)
@token_checked_in_endpoint
async def assign_task(
    task_id: UUID, body: AssignIn, credentials: BearerCredentials, request: Request
) -> Response:
    """Assign the task to a member of its team, or unassign it with ``null``."""

    def call(tf: TaskFlow, user_id: UUID) -> Response:
        return _task_reply(tf.tasks.assign(user_id, task_id, assignee_id=body.assignee_id))

    return await _in_one_hop(request, credentials, call)


@router.get(
    "/tasks/{task_id}/activity",
    operation_id="listTaskActivity",
    response_model=PageOut[ActivityOut],
    response_class=JSONBytesResponse,
    responses=error_responses(400, 401, 403, 404),
)
@token_checked_in_endpoint
async def task_activity(
    task_id: UUID,
    query: Annotated[PageQuery, Query()],
    credentials: BearerCredentials,
    request: Request,
) -> Response:
    """The task's history, oldest first."""

    def call(tf: TaskFlow, user_id: UUID) -> Response:
        page = tf.tasks.activity(user_id, task_id, limit=query.limit, cursor=query.cursor)
        body = page_of(page.items, ActivityOut.of, page.next_cursor).model_dump_json()
        return JSONBytesResponse(body.encode())

    return await _in_one_hop(request, credentials, call)
