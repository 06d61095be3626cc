"""Serving the web client from a Flask app: ``register_client(app, tf)``.

The reference server (``create_app``) serves it at ``/``. A host app opts in with
``register_client(app, tf, root="/tasks/")`` (never at the host's ``/`` unless it asks
for it); the API must be registered too, at ``api_prefix``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import NotFound

from taskflow.adapters.flask.helpers import EXTENSION_KEY
from taskflow.adapters.web.client import (
    ClientAsset,
    ClientAssets,
    HostedLogin,
    is_navigation,
    load_client,
)
from taskflow.bootstrap import TaskFlow

__all__ = ["register_client"]


def register_client(
    app: Flask,
    tf: TaskFlow,
    *,
    root: str = "/",
    api_prefix: str = "",
    login_url: str | None = None,
    logout_url: str | None = None,
) -> ClientAssets:
    """Serve the built web client under ``root`` (its page, its assets, and the pages
    the mails link to, from ``tf``'s notification settings). Call it after
    ``TaskFlowExtension``: when that was given ``identity=``, the client uses your app's
    login (``login_url``, required; ``logout_url``) and shows none of taskflow's account
    pages."""
    runtime = app.extensions.get(EXTENSION_KEY)
    hosted = (
        HostedLogin.of(login_url, logout_url)
        if runtime is not None and runtime.identity is not None
        else None
    )
    client = load_client(tf.notifications.config, root=root, api_base=api_prefix, hosted=hosted)
    blueprint = Blueprint("taskflow_client", __name__)

    def answer(asset: ClientAsset) -> Response:
        return Response(asset.body, headers=asset.headers())

    def page() -> Response:
        return answer(client.page)

    def asset(name: str) -> Response:
        found = client.files.get(f"assets/{name}")
        if found is None:
            raise NotFound
        return answer(found)

    for number, path in enumerate(dict.fromkeys(client.page_paths)):
        blueprint.add_url_rule(path, f"page_{number}", page, methods=["GET"])
    blueprint.add_url_rule(f"{root}assets/<path:name>", "asset", asset, methods=["GET"])
    for number, (name, file) in enumerate(client.files.items()):
        if not name.startswith("assets/"):
            blueprint.add_url_rule(
                f"{root}{name}", f"file_{number}", lambda file=file: answer(file), methods=["GET"]
            )

    @blueprint.before_app_request
    def task_page() -> Response | None:
        # The task mails' link is the API's path for the task: a browser opening it gets
        # the page; every other request goes on to the API.
        if request.method != "GET" or not client.is_task_page(request.path):
            return None
        headers = {name.lower(): value for name, value in request.headers.items()}
        return answer(client.page) if is_navigation(headers) else None

    app.register_blueprint(blueprint)
    return client
