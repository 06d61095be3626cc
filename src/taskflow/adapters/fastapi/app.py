"""Mounting taskflow on a FastAPI app, and the reference app itself.

``mount_taskflow(app, tf)`` is the one call an application makes: it includes the routers
(all areas, or the ones named) and adds taskflow's operations to the app's OpenAPI
document. taskflow's behaviour stays on taskflow's routes (``TaskflowRoute``): its error
body (400, not 422, for invalid input) and its edge (request ids, security and CORS
headers, body limit, request log); the app's other routes, and the paths no route
matches, are answered exactly as they were. ``app_wide=True`` extends the edge and the
error handling to the whole app, as the reference server (``create_app``) does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Request, Response

from taskflow.adapters.fastapi.client import mount_client
from taskflow.adapters.fastapi.dependencies import RUNTIME_STATE_KEY, THREADS_STATE_KEY
from taskflow.adapters.fastapi.errors import (
    install_exception_handlers,
    install_taskflow_error_handler,
)
from taskflow.adapters.fastapi.middleware import TaskflowEdgeMiddleware
from taskflow.adapters.fastapi.openapi import documented_with_400, joined_with_taskflow
from taskflow.adapters.fastapi.routers import AREAS, auth, ops
from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.runtime import WebRuntime
from taskflow.bootstrap import TaskFlow
from taskflow.bootstrap.metrics import build_metrics
from taskflow.bootstrap.web import build_web_runtime
from taskflow.errors import ConfigurationError
from taskflow.version import __version__

if TYPE_CHECKING:
    from taskflow.adapters.prometheus import TaskflowMetrics

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
    app_wide: bool = False,
    identity: Callable[[Request], Any] | None = None,
    metrics: bool | TaskflowMetrics = False,
    metrics_path: str = "/metrics",
) -> WebRuntime:
    """Serve taskflow's REST API from ``app`` (under ``prefix``). ``areas`` picks among
    ``auth``, ``teams``, ``tasks``, ``comments``, ``notifications`` (default: all).
    Call it before the app starts.

    taskflow's error body, headers and edge apply to the requests its routes answer; the
    app's own routes and unmatched paths keep the app's handlers, responses and headers
    (a ``TaskflowError`` raised in the app's own endpoints, by ``CurrentPrincipal`` say,
    answers taskflow's error body unless the app handles ``TaskflowError`` itself).
    ``app_wide=True``: the edge (security headers, request ids, body limit, request log)
    and taskflow's error body apply to every request of the app (404s, 422s made 400...),
    as on the reference server.

    ``threads``: how many threads run the service calls of taskflow's async endpoints
    and of ``run_service`` (default 40, anyio's default for the sync ones, which FastAPI
    runs in anyio's pool).

    ``identity``: identity mode (``docs/embedding.md``). Your app authenticates; this
    function of the request (plain or ``async``) answers your user id of the caller (an
    int, a string or a UUID), or None (401). ``tf`` must have your ``UserDirectory``.
    The ``auth`` area then serves only ``/auth/me`` and the invite endpoints: sign-up,
    login, tokens, sessions and passwords are your app's.

    ``metrics=True`` serves Prometheus metrics at ``prefix + metrics_path`` (the
    ``metrics`` extra; off by default, so nothing lands on a path of the app's own):
    taskflow's requests, the queue depth, the outbox lag and the mails. Pass a
    ``TaskflowMetrics`` (``taskflow.bootstrap.metrics.build_metrics``) to choose its
    queue, or to add its ``registry`` to the app's own exposition."""
    if threads is not None and threads < 1:
        raise ConfigurationError("The thread pool needs at least 1 thread.")
    selected = list(AREAS) if areas is None else list(areas)
    unknown = sorted(set(selected) - set(AREAS))
    if unknown:
        raise ConfigurationError(f"Unknown taskflow areas: {', '.join(unknown)}.")
    runtime = build_web_runtime(tf, config)
    if identity is not None:
        runtime.use_identity(identity)
    runtime.route_prefix = prefix
    if metrics is not False:
        runtime.metrics = build_metrics(tf) if metrics is True else metrics
        app.add_api_route(
            prefix + metrics_path,
            _metrics_endpoint(runtime.metrics),
            methods=["GET"],
            include_in_schema=False,
        )
    setattr(app.state, RUNTIME_STATE_KEY, runtime)
    # Idle workers are joined when the interpreter exits (concurrent.futures does it).
    service_threads = ThreadPoolExecutor(threads or 40, thread_name_prefix="taskflow-service")
    setattr(app.state, THREADS_STATE_KEY, service_threads)
    areas_served = dict(AREAS, auth=auth.identity_router) if identity is not None else AREAS
    routers: list[APIRouter] = [ops.router, *(areas_served[area] for area in selected)]
    for router in routers:
        # Scoped: the app's own document generation does not see taskflow's routes (a
        # model name both define would rename the app's schemas); they are added to it.
        app.include_router(router, prefix=prefix, include_in_schema=app_wide)
    if app_wide:
        install_exception_handlers(app)
        app.add_middleware(TaskflowEdgeMiddleware, runtime=runtime)
        app.openapi = documented_with_400(app)  # type: ignore[method-assign]
    else:
        install_taskflow_error_handler(app)
        app.openapi = joined_with_taskflow(  # type: ignore[method-assign]
            app, routers, prefix, hosted=identity is not None
        )
    return runtime


def create_app(
    tf: TaskFlow,
    config: WebConfig | None = None,
    *,
    threads: int | None = None,
    metrics: bool | TaskflowMetrics = False,
    client: bool = True,
) -> FastAPI:
    """The reference server: a FastAPI app serving the whole REST contract, and the web
    client at ``/`` (``client=False``: the API alone).

    ``threads`` caps the threads that run the service calls: taskflow's own (its async
    endpoints) and anyio's default limiter (the sync ones; 40 threads each when None),
    the latter for as long as the app runs. Give it the size of the database's
    connection pool: with more threads than pooled connections, the extra threads wait
    for a connection or open one that is closed again when returned (with SQLAlchemy's
    defaults, 5 pooled connections and 40 threads, about one request in six under load
    opened a new PostgreSQL connection). ``metrics``: ``GET /metrics``, as in
    ``mount_taskflow``."""
    if threads is not None and threads < 1:
        raise ConfigurationError("The thread pool needs at least 1 thread.")
    app = FastAPI(
        title="TaskFlow",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=None if threads is None else _thread_pool_of(threads),
    )
    mount_taskflow(app, tf, config, threads=threads, app_wide=True, metrics=metrics)
    if client:
        mount_client(app, tf)
    return app


def _metrics_endpoint(metrics: TaskflowMetrics) -> Callable[[], Response]:
    from taskflow.adapters.prometheus import CONTENT_TYPE  # noqa: PLC0415 - an extra

    def serve_metrics() -> Response:
        # A plain def: FastAPI runs it in its thread pool (the backlog reads the database).
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return serve_metrics


def _thread_pool_of(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The limiter belongs to the running event loop: it can only be set from inside.
        to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan
