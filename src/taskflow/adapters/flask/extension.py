"""The Flask extension: ``TaskFlowExtension(app, tf)`` or ``ext.init_app(app, tf)``.

It registers the blueprints (all areas, or the ones named), the error handlers that turn
every error into ``{"error": {...}}`` and the edge hooks (request ids, CORS, security
headers, body limit, rate limit, request log). State lives in
``app.extensions["taskflow"]`` (a ``WebRuntime``), so one extension object can serve
several apps (the application-factory pattern).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable

from flask import Blueprint, Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from taskflow.adapters.flask.blueprints import AREAS, ops
from taskflow.adapters.flask.helpers import EXTENSION_KEY, get_runtime
from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.errors import (
    ErrorReply,
    error_reply,
    http_error_reply,
    unexpected_error_reply,
)
from taskflow.adapters.web.headers import cors_headers, is_preflight, security_headers
from taskflow.adapters.web.requests import REQUEST_ID_HEADER, log_request, request_id_from
from taskflow.adapters.web.runtime import WebRuntime
from taskflow.bootstrap import TaskFlow
from taskflow.bootstrap.web import build_web_runtime
from taskflow.errors import ConfigurationError, TaskflowError

__all__ = ["TaskFlowExtension", "create_app"]

_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


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
    ) -> None:
        if app is not None:
            if tf is None:
                raise ConfigurationError("TaskFlowExtension(app, tf): tf is required.")
            self.init_app(app, tf, config, areas=areas, url_prefix=url_prefix)

    def init_app(
        self,
        app: Flask,
        tf: TaskFlow,
        config: WebConfig | None = None,
        *,
        areas: Iterable[str] | None = None,
        url_prefix: str = "",
    ) -> WebRuntime:
        selected = list(AREAS) if areas is None else list(areas)
        unknown = sorted(set(selected) - set(AREAS))
        if unknown:
            raise ConfigurationError(f"Unknown taskflow areas: {', '.join(unknown)}.")
        runtime = build_web_runtime(tf, config)
        app.extensions[EXTENSION_KEY] = runtime
        if app.config.get("MAX_CONTENT_LENGTH") is None:  # keep the app's own limit
            app.config["MAX_CONTENT_LENGTH"] = runtime.config.max_body_bytes
        app.register_blueprint(ops.blueprint, url_prefix=url_prefix or None)
        for area in selected:
            blueprint: Blueprint = AREAS[area]
            app.register_blueprint(blueprint, url_prefix=url_prefix or None)
        app.before_request(_before_request)
        app.after_request(_after_request)
        app.register_error_handler(TaskflowError, _on_taskflow_error)
        app.register_error_handler(HTTPException, _on_http_error)
        app.register_error_handler(Exception, _on_unexpected_error)
        return runtime


def create_app(tf: TaskFlow, config: WebConfig | None = None) -> Flask:
    """The reference server: a Flask app serving the whole REST contract."""
    app = Flask("taskflow")
    TaskFlowExtension(app, tf, config)
    return app


def _before_request() -> Response | None:
    g._taskflow_started = time.perf_counter()
    g._taskflow_request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    if is_preflight(request.method, {k.lower(): v for k, v in request.headers.items()}):
        preflight = Response(status=204)
        del preflight.headers["Content-Type"]
        return preflight
    return None


def _after_request(response: Response) -> Response:
    runtime = get_runtime()
    request_id: str = g.get("_taskflow_request_id") or request_id_from(None)
    https = runtime.is_https(
        request.scheme, request.remote_addr, request.headers.get("X-Forwarded-Proto")
    )
    extra = security_headers(https=https, content_type=response.content_type)
    extra[REQUEST_ID_HEADER] = request_id
    preflight = is_preflight(request.method, {k.lower(): v for k, v in request.headers.items()})
    cors = cors_headers(
        request.headers.get("Origin"), runtime.config.cors_origins, preflight=preflight
    )
    if cors:
        extra.update(cors)
    for name, value in extra.items():
        if name not in response.headers:
            response.headers[name] = value
    started: float = g.get("_taskflow_started") or time.perf_counter()
    rule = request.url_rule.rule if request.url_rule is not None else "<no route>"
    log_request(
        request.method,
        _RULE_ARGUMENT.sub(r"{\1}", rule),
        response.status_code,
        time.perf_counter() - started,
        request_id,
    )
    return response


def _json(reply: ErrorReply) -> Response:
    return Response(
        json.dumps(reply.body, separators=(",", ":")),
        status=reply.status,
        headers=reply.headers,
        mimetype="application/json",
    )


def _on_taskflow_error(error: TaskflowError) -> Response:
    return _json(error_reply(error))


def _on_http_error(error: HTTPException) -> Response:
    headers = {"Allow": ", ".join(getattr(error, "valid_methods", None) or [])}
    if not headers["Allow"]:
        headers = {}
    return _json(http_error_reply(error.code or 500, headers))


def _on_unexpected_error(error: Exception) -> Response:
    return _json(unexpected_error_reply(error))
