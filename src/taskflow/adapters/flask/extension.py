"""The Flask extension: ``TaskFlowExtension(app, tf)`` or ``ext.init_app(app, tf)``.

It registers the blueprints (all areas, or the ones named). taskflow's edge (request ids,
CORS, security headers, body limit, request log) and its error body belong to those
blueprints: the app's own views, and the URLs no rule matches, are answered exactly as
before. ``app_wide=True`` (the reference server) installs them on the whole app. State
lives in ``app.extensions["taskflow"]`` (a ``WebRuntime``), so one extension object can
serve several apps (the application-factory pattern).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response
from werkzeug.exceptions import HTTPException

from taskflow.adapters.flask.blueprints import AREAS, auth, ops
from taskflow.adapters.flask.client import register_client
from taskflow.adapters.flask.edge import (
    finish_response,
    on_http_error,
    on_taskflow_error,
    on_unexpected_error,
    start_request,
)
from taskflow.adapters.flask.helpers import EXTENSION_KEY
from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.runtime import WebRuntime
from taskflow.bootstrap import TaskFlow
from taskflow.bootstrap.metrics import build_metrics
from taskflow.bootstrap.web import build_web_runtime
from taskflow.errors import ConfigurationError, TaskflowError

if TYPE_CHECKING:
    from taskflow.adapters.prometheus import TaskflowMetrics

__all__ = ["TaskFlowExtension", "create_app"]


class TaskFlowExtension:
    """Serve taskflow's REST API from a Flask app::

    app = Flask(__name__)
    TaskFlowExtension(app, TaskFlow.from_settings())
    """

    def __init__(
        self,
        app: Flask | None = None,
        tf: TaskFlow | None = None,
        config: WebConfig | None = None,
        *,
        areas: Iterable[str] | None = None,
        url_prefix: str = "",
        app_wide: bool = False,
        identity: Callable[[], Any] | None = None,
        metrics: bool | TaskflowMetrics = False,
        metrics_path: str = "/metrics",
    ) -> None:
        if app is not None:
            if tf is None:
                raise ConfigurationError("TaskFlowExtension(app, tf): tf is required.")
            self.init_app(
                app,
                tf,
                config,
                areas=areas,
                url_prefix=url_prefix,
                app_wide=app_wide,
                identity=identity,
                metrics=metrics,
                metrics_path=metrics_path,
            )

    def init_app(
        self,
        app: Flask,
        tf: TaskFlow,
        config: WebConfig | None = None,
        *,
        areas: Iterable[str] | None = None,
        url_prefix: str = "",
        app_wide: bool = False,
        identity: Callable[[], Any] | None = None,
        metrics: bool | TaskflowMetrics = False,
        metrics_path: str = "/metrics",
    ) -> WebRuntime:
        """Register taskflow's blueprints on ``app``. ``app_wide=True``: the edge and the
        error body apply to every request of the app (its own views and unmatched URLs
        too), and taskflow's body limit becomes the app's ``MAX_CONTENT_LENGTH`` when it
        has none. Otherwise the app is changed in one way only: a ``TaskflowError`` that
        escapes one of its own views (``current_principal()`` without a token, say)
        answers taskflow's error body, unless the app handles ``TaskflowError`` itself.

        ``identity``: identity mode (``docs/embedding.md``). Your app authenticates; this
        function of no argument (it reads ``flask.request``, ``flask.session`` or
        Flask-Login's ``current_user``) answers your user id of the caller (an int, a
        string or a UUID), or None (401). ``tf`` must have your ``UserDirectory``. The
        ``auth`` area then serves only ``/auth/me`` and the invite endpoints.

        ``metrics=True`` serves Prometheus metrics at ``url_prefix + metrics_path`` (the
        ``metrics`` extra; off by default, so nothing lands on a URL of the app's own);
        a ``TaskflowMetrics`` may be given instead (``build_metrics``)."""
        selected = list(AREAS) if areas is None else list(areas)
        unknown = sorted(set(selected) - set(AREAS))
        if unknown:
            raise ConfigurationError(f"Unknown taskflow areas: {', '.join(unknown)}.")
        runtime = build_web_runtime(tf, config)
        if identity is not None:
            runtime.use_identity(identity)
            if runtime.identity is not None and runtime.identity.is_async:
                raise ConfigurationError("identity= must be a plain function on Flask.")
        app.extensions[EXTENSION_KEY] = runtime
        if metrics is not False:
            runtime.metrics = build_metrics(tf) if metrics is True else metrics
            app.add_url_rule(
                url_prefix + metrics_path,
                endpoint="taskflow_metrics",
                view_func=_metrics_view(runtime.metrics),
                methods=["GET"],
            )
        app.register_blueprint(ops.blueprint, url_prefix=url_prefix or None)
        for area in selected:
            blueprint: Blueprint = AREAS[area]
            if area == "auth" and identity is not None:
                blueprint = auth.identity_blueprint
            app.register_blueprint(blueprint, url_prefix=url_prefix or None)
        if app_wide:
            if app.config.get("MAX_CONTENT_LENGTH") is None:  # keep the app's own limit
                app.config["MAX_CONTENT_LENGTH"] = runtime.config.max_body_bytes
            app.before_request(start_request)
            app.after_request(finish_response)
            app.register_error_handler(TaskflowError, on_taskflow_error)
            app.register_error_handler(HTTPException, on_http_error)
            app.register_error_handler(Exception, on_unexpected_error)
        elif TaskflowError not in app.error_handler_spec[None][None]:
            app.register_error_handler(TaskflowError, on_taskflow_error)
        return runtime


def create_app(
    tf: TaskFlow,
    config: WebConfig | None = None,
    *,
    metrics: bool | TaskflowMetrics = False,
    client: bool = True,
) -> Flask:
    """The reference server: a Flask app serving the whole REST contract, the web client
    at ``/`` (``client=False``: the API alone) and ``GET /metrics`` with
    ``metrics=True``."""
    app = Flask("taskflow")
    TaskFlowExtension(app, tf, config, app_wide=True, metrics=metrics)
    if client:
        register_client(app, tf)
    return app


def _metrics_view(metrics: TaskflowMetrics) -> Callable[[], Response]:
    from taskflow.adapters.prometheus import CONTENT_TYPE  # noqa: PLC0415 - an extra

    def serve_metrics() -> Response:
        return Response(metrics.render(), content_type=CONTENT_TYPE)

    return serve_metrics
