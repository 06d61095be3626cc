"""Serving the web client from a FastAPI app: ``mount_client(app, tf)``.

The reference server (``create_app``) serves it at ``/``. A host app opts in with
``mount_client(app, tf, root="/tasks/")`` (never at the host's ``/`` unless it asks for
it); the API must be mounted too, at ``api_prefix``.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

from taskflow.adapters.fastapi.dependencies import RUNTIME_STATE_KEY
from taskflow.adapters.web.client import (
    ClientAsset,
    ClientAssets,
    HostedLogin,
    is_navigation,
    load_client,
)
from taskflow.bootstrap import TaskFlow

__all__ = ["mount_client"]


def mount_client(
    app: FastAPI,
    tf: TaskFlow,
    *,
    root: str = "/",
    api_prefix: str = "",
    login_url: str | None = None,
    logout_url: str | None = None,
) -> ClientAssets:
    """Serve the built web client under ``root`` (its page, its assets, and the pages
    the mails link to, from ``tf``'s notification settings). Outside the OpenAPI
    document. Call it after ``mount_taskflow``: when that was given ``identity=``, the
    client uses your app's login (``login_url``, required; ``logout_url``) and shows
    none of taskflow's account pages."""
    runtime = getattr(app.state, RUNTIME_STATE_KEY, None)
    hosted = (
        HostedLogin.of(login_url, logout_url)
        if runtime is not None and runtime.identity is not None
        else None
    )
    client = load_client(tf.notifications.config, root=root, api_base=api_prefix, hosted=hosted)

    def answer(asset: ClientAsset) -> Response:
        return Response(asset.body, headers=asset.headers())

    async def page(_request: Request) -> Response:
        return answer(client.page)

    async def asset(request: Request) -> Response:
        found = client.files.get(f"assets/{request.path_params['name']}")
        if found is None:
            raise HTTPException(404)
        return answer(found)

    routes = [Route(path, page, methods=["GET"]) for path in dict.fromkeys(client.page_paths)]
    routes.append(Route(f"{root}assets/{{name:path}}", asset, methods=["GET"]))
    for name, file in client.files.items():
        if not name.startswith("assets/"):

            async def fixed(_request: Request, file: ClientAsset = file) -> Response:
                return answer(file)

            routes.append(Route(f"{root}{name}", fixed, methods=["GET"]))
    # After the app's routes: a path both define (a host's own page) stays the app's.
    app.router.routes.extend(routes)
    # The task mails' link is the API's path for the task: a browser opening it gets the
    # page (before the API's route, which still answers every other request).
    app.router.routes.insert(0, _NavigationRoute(client.task_path, page, methods=["GET"]))
    return client


class _NavigationRoute(Route):
    """A route that matches a browser's page navigation only (``is_navigation``)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Every request of the app passes here first: the path is checked before the
        # headers are read, so only the task's own path costs more than a regex.
        if scope["type"] != "http" or scope["method"] != "GET":
            return Match.NONE, {}
        match, child = super().matches(scope)
        if match is not Match.FULL:
            return Match.NONE, {}
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        return (Match.FULL, child) if is_navigation(headers) else (Match.NONE, {})
