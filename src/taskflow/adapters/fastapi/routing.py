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
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from taskflow.adapters.fastapi.dependencies import runtime_of
from taskflow.adapters.fastapi.errors import response_for
from taskflow.adapters.fastapi.middleware import EDGE_SCOPE_KEY, through_the_edge

__all__ = ["TaskflowRoute", "operation_id"]


class TaskflowRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer_with_taskflow_errors(request: Request) -> Response:
            try:
                return await handler(request)
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
