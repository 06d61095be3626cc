"""Mounting taskflow on a FastAPI app, and the reference app itself.

``mount_taskflow(app, tf)`` is the one call an application makes: it includes the routers
(all areas, or the ones named), the exception handlers that turn every error into
``{"error": {...}}``, the edge middleware (request ids, security and CORS headers, body
limit, request log) and an OpenAPI document that says 400, not FastAPI's default 422.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from taskflow.adapters.fastapi.dependencies import RUNTIME_STATE_KEY, THREADS_STATE_KEY
from taskflow.adapters.fastapi.middleware import TaskflowEdgeMiddleware
from taskflow.adapters.fastapi.routers import AREAS, ops
from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.errors import (
    ErrorReply,
    error_reply,
    http_error_reply,
    invalid_input_from_pydantic,
)
from taskflow.adapters.web.runtime import WebRuntime
from taskflow.bootstrap import TaskFlow
from taskflow.bootstrap.web import build_web_runtime
from taskflow.errors import ConfigurationError, TaskflowError
from taskflow.version import __version__

__all__ = ["create_app", "install_exception_handlers", "mount_taskflow"]

API_DESCRIPTION = """Task management for teams: accounts, teams and invites, tasks with
comments and activity, in-app notifications.

Authenticate with `Authorization: Bearer <token>` (the `token` of signup, login or refresh).
Every error answers `{"error": {"code": "...", "message": "..."}}`; invalid input (400)
names each field at fault in `error.fields`. Collections answer
`{"items": [...], "next_cursor": "..." | null}`: pass `next_cursor` back as `?cursor=`."""


def mount_taskflow(
    app: FastAPI,
    tf: TaskFlow,
    config: WebConfig | None = None,
    *,
    areas: Iterable[str] | None = None,
    prefix: str = "",
    threads: int | None = None,
) -> WebRuntime:
    """Serve taskflow's REST API from ``app`` (under ``prefix``). ``areas`` picks among
    ``auth``, ``teams``, ``tasks``, ``comments``, ``notifications`` (default: all).
    The middleware applies to the whole app. Call it before the app starts.

    ``threads``: how many threads run the service calls of taskflow's async endpoints
    (default 40, anyio's default for the sync ones, which FastAPI runs in anyio's pool)."""
    if threads is not None and threads < 1:
        raise ConfigurationError("The thread pool needs at least 1 thread.")
    selected = list(AREAS) if areas is None else list(areas)
    unknown = sorted(set(selected) - set(AREAS))
    if unknown:
        raise ConfigurationError(f"Unknown taskflow areas: {', '.join(unknown)}.")
    runtime = build_web_runtime(tf, config)
    setattr(app.state, RUNTIME_STATE_KEY, runtime)
    # Idle workers are joined when the interpreter exits (concurrent.futures does it).
    service_threads = ThreadPoolExecutor(threads or 40, thread_name_prefix="taskflow-service")
    setattr(app.state, THREADS_STATE_KEY, service_threads)
    app.include_router(ops.router, prefix=prefix)
    for area in selected:
        app.include_router(AREAS[area], prefix=prefix)
    install_exception_handlers(app)
    app.add_middleware(TaskflowEdgeMiddleware, runtime=runtime)
    app.openapi = _openapi_with_400(app)  # type: ignore[method-assign]
    return runtime


def create_app(
    tf: TaskFlow, config: WebConfig | None = None, *, threads: int | None = None
) -> FastAPI:
    """The reference server: a FastAPI app serving the whole REST contract.

    ``threads`` caps the threads that run the service calls: taskflow's own (its async
    endpoints) and anyio's default limiter (the sync ones; 40 threads each when None),
    the latter for as long as the app runs. Give it the size of the database's
    connection pool: with more threads than pooled connections, the extra threads wait
    for a connection or open one that is closed again when returned (with SQLAlchemy's
    defaults, 5 pooled connections and 40 threads, about one request in six under load
    opened a new PostgreSQL connection)."""
    if threads is not None and threads < 1:
        raise ConfigurationError("The thread pool needs at least 1 thread.")
    app = FastAPI(
        title="TaskFlow",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=None if threads is None else _thread_pool_of(threads),
    )
    mount_taskflow(app, tf, config, threads=threads)
    return app


def _thread_pool_of(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The limiter belongs to the running event loop: it can only be set from inside.
        to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def install_exception_handlers(app: FastAPI) -> None:
    """Answer taskflow errors, validation errors (400, not 422) and framework HTTP errors
    (404 no route, 405...) with taskflow's JSON error body."""
    app.add_exception_handler(TaskflowError, _on_taskflow_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_error)  # type: ignore[arg-type]


def _json(reply: ErrorReply) -> JSONResponse:
    return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)


async def _on_taskflow_error(_request: Request, error: TaskflowError) -> JSONResponse:
    return _json(error_reply(error))


async def _on_validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    return _json(error_reply(invalid_input_from_pydantic(error.errors())))


async def _on_http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
    return _json(http_error_reply(error.status_code, error.headers))


def _openapi_with_400(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI documents a 422 ``HTTPValidationError`` on every route with inputs; taskflow
    answers 400 with its own error body (declared on each route) instead."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict):
                    operation.get("responses", {}).pop("422", None)
        schemas = schema.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    return openapi
