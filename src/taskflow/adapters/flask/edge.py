"""taskflow's edge on Flask: the request hooks (request ids, CORS preflights, security
and CORS headers, body limit, request log) and the error handlers that answer
``{"error": {...}}``.

They belong to taskflow's blueprints (``taskflow_blueprint``), so that they apply to the
requests taskflow's views answer and to nothing else of the application. The extension
also installs them on the whole app when asked (``app_wide=True``, the reference server):
each hook then runs once per request, whichever comes first.
"""

from __future__ import annotations

import json
import re
import time

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, default_exceptions

from taskflow.adapters.flask.helpers import get_runtime
from taskflow.adapters.web.errors import (
    ErrorReply,
    error_reply,
    http_error_reply,
    unexpected_error_reply,
)
from taskflow.adapters.web.headers import cors_headers, is_preflight, security_headers
from taskflow.adapters.web.requests import REQUEST_ID_HEADER, log_request, request_id_from
from taskflow.errors import TaskflowError

__all__ = [
    "finish_response",
    "limit_body",
    "on_http_error",
    "on_taskflow_error",
    "on_unexpected_error",
    "start_request",
    "taskflow_blueprint",
]

_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def taskflow_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of taskflow's: its requests go through the edge, and every error of its
    views (a taskflow error, an HTTP error of any status, anything unexpected) answers
    taskflow's error body before any handler of the app sees it (Flask looks for a
    blueprint's handlers first)."""
    blueprint = Blueprint(name, import_name)
    blueprint.before_request(start_request)
    blueprint.before_request(limit_body)
    blueprint.after_request(finish_response)
    blueprint.register_error_handler(TaskflowError, on_taskflow_error)
    for code in default_exceptions:  # a handler of the app for that status comes later
        blueprint.register_error_handler(code, on_http_error)
    blueprint.register_error_handler(HTTPException, on_http_error)
    blueprint.register_error_handler(Exception, on_unexpected_error)
    return blueprint


def start_request() -> Response | None:
    """Take (or make) the request id; answer a CORS preflight."""
    if "_taskflow_request_id" in g:  # the app-wide hook came first
        return None
    g._taskflow_started = time.perf_counter()
    g._taskflow_request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    if is_preflight(request.method, {k.lower(): v for k, v in request.headers.items()}):
        preflight = Response(status=204)
        del preflight.headers["Content-Type"]
        return preflight
    return None


def limit_body() -> None:
    """taskflow's body limit on taskflow's routes, unless the app set its own
    ``MAX_CONTENT_LENGTH`` (then that one, as for the app's routes)."""
    if current_app.config.get("MAX_CONTENT_LENGTH") is None:
        request.max_content_length = get_runtime().config.max_body_bytes


def finish_response(response: Response) -> Response:
    """Add the security, CORS and request-id headers; write the request's log line."""
    if g.get("_taskflow_finished"):  # the blueprint's hook came first
        return response
    g._taskflow_finished = True
    runtime = get_runtime()
    request_id: str = g.get("_taskflow_request_id") or request_id_from(None)
    forwarded_proto = ", ".join(request.headers.getlist("X-Forwarded-Proto"))
    https = runtime.is_https(request.scheme, request.remote_addr, forwarded_proto)
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
    template = _RULE_ARGUMENT.sub(r"{\1}", rule)
    duration = time.perf_counter() - started
    log_request(request.method, template, response.status_code, duration, request_id)
    runtime.observe_request(request.method, template, response.status_code, duration)
    return response


def _json(reply: ErrorReply) -> Response:
    return Response(
        json.dumps(reply.body, separators=(",", ":")),
        status=reply.status,
        headers=reply.headers,
        mimetype="application/json",
    )


def on_taskflow_error(error: TaskflowError) -> Response:
    return _json(error_reply(error))


def on_http_error(error: HTTPException) -> Response:
    headers = {"Allow": ", ".join(getattr(error, "valid_methods", None) or [])}
    if not headers["Allow"]:
        headers = {}
    return _json(http_error_reply(error.code or 500, headers))


def on_unexpected_error(error: Exception) -> Response:
    return _json(unexpected_error_reply(error))
