"""taskflow on FastAPI: ``mount_taskflow(app, tf)`` serves the whole REST API.

    from fastapi import FastAPI
    from taskflow import TaskFlow
    from taskflow.adapters.fastapi import mount_taskflow

    app = FastAPI()
    mount_taskflow(app, TaskFlow.from_settings())

taskflow's error body and headers stay on taskflow's routes: the app's own routes are
answered as before (``app_wide=True`` to extend them to the whole app). Include only some
areas (``areas=["auth", "tasks"]``), and use the dependencies (``CurrentPrincipal``,
``TaskFlowDep``, ``require_team_role``) in your own endpoints. Endpoints are plain ``def``
functions: FastAPI runs them in its thread pool, so a password hash or a database query
never blocks the event loop. The few ``async`` ones (the busiest, ``GET /auth/me``) hand
their service calls to taskflow's own threads; your async code does the same with
``await run_service(request, tf.teams.create, ...)`` (docs/async.md).
"""

from taskflow.adapters.fastapi.app import create_app, install_exception_handlers, mount_taskflow
from taskflow.adapters.fastapi.client import mount_client
from taskflow.adapters.fastapi.dependencies import (
    CurrentPrincipal,
    TaskFlowDep,
    current_principal,
    get_taskflow,
    in_service_thread,
    require_team_role,
    run_service,
)
from taskflow.adapters.fastapi.routers import AREAS

__all__ = [
    "AREAS",
    "CurrentPrincipal",
    "TaskFlowDep",
    "create_app",
    "current_principal",
    "get_taskflow",
    "in_service_thread",
    "install_exception_handlers",
    "mount_client",
    "mount_taskflow",
    "require_team_role",
    "run_service",
]
