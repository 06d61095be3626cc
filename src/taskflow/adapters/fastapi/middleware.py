"""The web edge as pure ASGI code (no per-request BaseHTTPMiddleware overhead): one
middleware for the whole app, or around each of taskflow's routes only.

For every HTTP request it serves, it: takes or makes the request id, answers CORS
preflights, refuses bodies over the size limit (413), adds the security, CORS and
request-id headers to the response, turns any exception that escaped the app into a bare
500 JSON error, and writes the one log line (method, path template, status, duration,
request id).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskflow.adapters.web.errors import ErrorReply, http_error_reply, unexpected_error_reply
from taskflow.adapters.web.headers import cors_headers, is_preflight, security_headers
from taskflow.adapters.web.requests import REQUEST_ID_HEADER, log_request, request_id_from
from taskflow.adapters.web.runtime import WebRuntime

__all__ = ["EDGE_SCOPE_KEY", "TaskflowEdgeMiddleware", "through_the_edge"]


class _BodyTooLarge(HTTPException):
    """The streamed body went over the limit (no Content-Length was sent). An
    ``HTTPException`` so that FastAPI's body parsing lets it through as a 413."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


EDGE_SCOPE_KEY = "taskflow.edge"
"""Set in the scope of a request that already went through the edge (the app-wide
middleware), so that taskflow's routes do not put it through a second time."""


class TaskflowEdgeMiddleware:
    """The edge for every request of the app (``mount_taskflow(app_wide=True)``, the
    reference server). Without it, taskflow's routes put their own requests through the
    same edge (``taskflow.adapters.fastapi.routing.TaskflowRoute``)."""

    def __init__(self, app: ASGIApp, runtime: WebRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[EDGE_SCOPE_KEY] = True
        await through_the_edge(self.runtime, self.app, scope, receive, send)


async def through_the_edge(
    runtime: WebRuntime, app: ASGIApp, scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one HTTP request with ``app`` behind taskflow's edge."""
    started = time.perf_counter()
    headers = _headers(scope)
    request_id = request_id_from(headers.get("x-request-id"))
    config = runtime.config
    peer = scope["client"][0] if scope.get("client") else None
    https = runtime.is_https(scope["scheme"], peer, headers.get("x-forwarded-proto"))
    preflight = is_preflight(scope["method"], headers)
    cors = cors_headers(headers.get("origin"), config.cors_origins, preflight=preflight)
    state = {"status": 500, "started": False}

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            state["status"] = message["status"]
            state["started"] = True
            raw = list(message.get("headers", []))
            present = {name.lower() for name, _ in raw}
            content_type = next(
                (value.decode("latin-1") for name, value in raw if name.lower() == b"content-type"),
                None,
            )
            extra = security_headers(https=https, content_type=content_type)
            extra[REQUEST_ID_HEADER] = request_id
            if cors:
                extra.update(cors)
            for name, value in extra.items():
                if name.lower().encode("latin-1") not in present:
                    raw.append((name.encode("latin-1"), value.encode("latin-1")))
            message = {**message, "headers": raw}
        await send(message)

    try:
        if preflight:
            await _send_reply(send_with_headers, 204, None, {})
        elif _declared_length(headers) > config.max_body_bytes:
            await _send_error(send_with_headers, http_error_reply(413))
        else:
            await app(scope, _limited(receive, config.max_body_bytes), send_with_headers)
    except _BodyTooLarge:
        if not state["started"]:
            await _send_error(send_with_headers, http_error_reply(413))
    except Exception as exc:
        reply = unexpected_error_reply(exc)
        if not state["started"]:
            await _send_error(send_with_headers, reply)
    finally:
        template = _path_template(scope, runtime.route_prefix)
        duration = time.perf_counter() - started
        log_request(scope["method"], template, int(state["status"]), duration, request_id)
        runtime.observe_request(scope["method"], template, int(state["status"]), duration)


def _path_template(scope: Scope, prefix: str) -> str:
    """The matched route's path template, with the prefix it was mounted under. FastAPI
    versions differ: older ones copy an included route with the prefix in its ``path``;
    newer ones keep the router's own route (no prefix) behind an included router. The
    route's pattern tells which: a ``path`` that does not match the request lacks it."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template is None:
        return "<no route>"
    root = scope.get("root_path", "")
    path = scope["path"]
    path = path[len(root) :] if root and path.startswith(root) else path
    pattern = getattr(route, "path_regex", None)
    if prefix and pattern is not None and not pattern.match(path):
        template = prefix + template
    return f"{root}{template}"


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-cased name. A header sent on several lines is one
    comma-separated list, its lines joined in order (RFC 9110, 5.3), as a WSGI server
    joins them: a proxy that appends its own ``X-Forwarded-Proto`` line is not hidden by
    the client's."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _declared_length(headers: Mapping[str, str]) -> int:
    try:
        return int(headers.get("content-length", "0"))
    except ValueError:
        return 0


def _limited(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises ``_BodyTooLarge`` once the body read goes over ``limit``."""
    received = 0

    async def receive_limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _BodyTooLarge
        return message

    return receive_limited


async def _send_error(send: Send, reply: ErrorReply) -> None:
    await _send_reply(send, reply.status, reply.body, reply.headers)


async def _send_reply(
    send: Send, status: int, body: dict[str, Any] | None, headers: Mapping[str, str]
) -> None:
    raw_headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]
    payload = b""
    if body is not None:
        payload = json.dumps(body, separators=(",", ":")).encode()
        raw_headers.append((b"content-type", b"application/json"))
    raw_headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})
