"""``TaskflowRoute``: the route class of every taskflow router, which keeps taskflow's
behaviour on taskflow's routes and off the host's.

Mounted on an application that has its own routes, taskflow must not change how the
application answers anything else: its error format, its headers, its middleware and its
exception handlers stay on the requests taskflow's routes answer. So they live here, on
the route, rather than in app-wide middleware and handlers:

- every error of one of taskflow's routes (a ``TaskflowError``, invalid input, an HTTP
  error, anything unexpected) is answered by the route with taskflow's JSON error body,
  before any exception handler of the app sees it;
- a request that one of taskflow's routes answers (a wrong method on its path included:
  405) goes through taskflow's edge (request id, security and CORS headers, body limit,
  request log), unless the app-wide edge already took it (``app_wide=True``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Final, TypeVar

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from taskflow.adapters.fastapi.dependencies import (
    awaited_host_user,
    bearer_token,
    in_service_thread,
    principal_of,
    runtime_of,
)
from taskflow.adapters.fastapi.errors import response_for
from taskflow.adapters.fastapi.middleware import EDGE_SCOPE_KEY, through_the_edge
from taskflow.errors import TaskflowError

__all__ = ["TaskflowRoute", "operation_id", "token_checked_in_endpoint"]

_TOKEN_IN_ENDPOINT: Final = "_taskflow_token_checked_in_endpoint"  # noqa: S105 - a name

E = TypeVar("E", bound=Callable[..., Any])


def token_checked_in_endpoint(endpoint: E) -> E:
    """Mark an endpoint that checks the bearer token itself, in its hop to the service
    threads, instead of through ``CurrentPrincipal``. The principal dependency ran
    before FastAPI validated the path, query and body, so a bad token was refused (401)
    before bad input (400); on such a route, ``TaskflowRoute`` checks the token before
    answering an input error, to keep that order."""
    setattr(endpoint, _TOKEN_IN_ENDPOINT, True)
    return endpoint


def _after_dependencies(error: RequestValidationError) -> bool:
    # A body that is not JSON is refused before any dependency runs (so before the
    # token was ever checked); every other input error comes after them.
    return not any(detail.get("type") == "json_invalid" for detail in error.errors())


async def _token_refusal(request: Request) -> TaskflowError | None:
    try:
        if runtime_of(request.app).identity is not None:  # the host names the caller
            host_user_id = await awaited_host_user(request)
            await in_service_thread(request, principal_of, request, None, host_user_id)
        else:
            token = bearer_token(request)
            await in_service_thread(request, runtime_of(request.app).tf.auth.validate_token, token)
    except TaskflowError as refused:
        return refused
    return None


class TaskflowRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        token_in_endpoint = getattr(self.endpoint, _TOKEN_IN_ENDPOINT, False)

        async def answer_with_taskflow_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                if token_in_endpoint and _after_dependencies(error):
                    refused = await _token_refusal(request)
                    if refused is not None:
                        return response_for(refused)
                return response_for(error)
            except Exception as error:  # every error of this route is taskflow's to answer
                return response_for(error)

        return answer_with_taskflow_errors

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get(EDGE_SCOPE_KEY):
            await self._handle_method(scope, receive, send)
        else:
            await through_the_edge(
                runtime_of(scope["app"]), self._handle_method, scope, receive, send
            )

    async def _handle_method(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().handle(scope, receive, send)
        except StarletteHTTPException as error:  # 405: the path is this route's, not the method
            await response_for(error)(scope, receive, send)


def operation_id(route: APIRoute) -> str:
    """The OpenAPI ``operationId`` of one of taskflow's routes: its endpoint's name in
    camelCase (``list_team_tasks`` -> ``listTeamTasks``). Every taskflow router passes it
    as ``generate_unique_id_function``: FastAPI's default (``list_team_tasks_teams__team_id
    __tasks_get``) leaks the path and method into every generated client's names. The ids
    are pinned by a test: renaming an endpoint function renames an operation."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)
