"""taskflow's JSON error body as FastAPI responses and exception handlers.

``TaskflowRoute`` answers the errors of taskflow's own routes with these; the app-wide
handlers (``install_exception_handlers``) answer every error of the app with them (the
reference server, or ``mount_taskflow(app_wide=True)``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from taskflow.adapters.web.errors import (
    ErrorReply,
    error_reply,
    http_error_reply,
    invalid_input_from_pydantic,
    unexpected_error_reply,
)
from taskflow.errors import TaskflowError

__all__ = [
    "error_response",
    "install_exception_handlers",
    "install_taskflow_error_handler",
    "response_for",
]


def error_response(reply: ErrorReply) -> JSONResponse:
    return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)


def response_for(error: Exception) -> JSONResponse:
    """taskflow's answer to ``error``: its own status and code for a taskflow error, 400
    naming the fields for invalid input, the framework's status for an HTTP error (no
    route, wrong method, body too large) and a bare 500 for anything else (logged)."""
    if isinstance(error, TaskflowError):
        return error_response(error_reply(error))
    if isinstance(error, RequestValidationError):
        return error_response(error_reply(invalid_input_from_pydantic(error.errors())))
    if isinstance(error, StarletteHTTPException):
        return error_response(http_error_reply(error.status_code, error.headers))
    return error_response(unexpected_error_reply(error))


def install_exception_handlers(app: FastAPI) -> None:
    """Answer taskflow errors, validation errors (400, not 422) and framework HTTP errors
    (404 no route, 405...) of the whole app with taskflow's JSON error body."""
    app.add_exception_handler(TaskflowError, _on_error)
    app.add_exception_handler(RequestValidationError, _on_error)
    app.add_exception_handler(StarletteHTTPException, _on_error)


def install_taskflow_error_handler(app: FastAPI) -> None:
    """Answer a ``TaskflowError`` that escapes one of the app's own endpoints (one using
    ``CurrentPrincipal`` or calling a service) with taskflow's error body, unless the app
    has its own handler for it. No other error of the app is touched."""
    if TaskflowError not in app.exception_handlers:
        app.add_exception_handler(TaskflowError, _on_error)


async def _on_error(_request: Request, error: Exception) -> JSONResponse:
    return response_for(error)
