"""One JSON error body for every failure, in both frameworks:
``{"error": {"code": "task_not_found", "message": "..."}}`` (plus ``fields`` for invalid
input and ``retry_after`` for 423/429).

Unexpected exceptions become a bare 500 ``internal_error``: the exception (its message may
hold SQL, a path or a secret) is logged server-side — and so reaches Sentry through its
logging integration when Sentry is on — and never sent to the client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from attrs import frozen

from taskflow.errors import AccountLocked, InvalidInput, RateLimited, TaskflowError

__all__ = [
    "ErrorReply",
    "error_reply",
    "http_error_reply",
    "invalid_input_from_pydantic",
    "unexpected_error_reply",
]

logger = logging.getLogger("taskflow.http")

_HTTP_CODES: Mapping[int, tuple[str, str]] = {
    400: ("bad_request", "The request is malformed."),
    401: ("unauthenticated", "Authentication is required."),
    403: ("forbidden", "You are not allowed to do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    406: ("not_acceptable", "This representation is not available."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send JSON (Content-Type: application/json)."),
}


@frozen
class ErrorReply:
    """What to answer: a status, the JSON body and the extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def error_reply(error: TaskflowError) -> ErrorReply:
    """The reply for a taskflow error (its own status and code)."""
    headers: dict[str, str] = {}
    if isinstance(error, RateLimited | AccountLocked) and error.retry_after > 0:
        headers["Retry-After"] = str(error.retry_after)
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if error.status >= 500:
        # A 5xx taskflow error is still a problem on our side: keep the cause in the log.
        logger.error("request failed: %s", error.code, exc_info=error)
    return ErrorReply(error.status, {"error": error.to_dict()}, headers)


def http_error_reply(status: int, headers: Mapping[str, str] | None = None) -> ErrorReply:
    """The reply for a framework-level HTTP error (no route, wrong method, body too big).
    The framework's own message is not reused: it is not ours to vouch for."""
    code, message = _HTTP_CODES.get(status, ("http_error", "The request failed."))
    extra = {k: v for k, v in (headers or {}).items() if k.lower() in {"allow", "retry-after"}}
    if status >= 500:
        return unexpected_error_reply(None)
    return ErrorReply(status, {"error": {"code": code, "message": message}}, extra)


def unexpected_error_reply(exc: BaseException | None) -> ErrorReply:
    """500 ``internal_error``; the exception goes to the log only."""
    if exc is not None:
        logger.error("unexpected error while handling a request", exc_info=exc)
    return ErrorReply(
        500,
        {"error": {"code": "internal_error", "message": "An internal error occurred."}},
        {},
    )


_LOCATIONS = {"body", "query", "path", "header", "cookie"}

# pydantic's messages for the commonest mistakes, reworded once so both frameworks (and
# every pydantic version) say the same; any other message is passed through.
_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not an accepted field",
    "string_type": "must be a string",
    "uuid_parsing": "must be a UUID",
    "uuid_type": "must be a UUID",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date (YYYY-MM-DD)",
    "int_parsing": "must be an integer",
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
}
_NOT_AN_OBJECT = {"model_attributes_type", "dict_type", "model_type"}
NOT_JSON = "must be JSON (Content-Type: application/json)"


def invalid_input_from_pydantic(errors: Iterable[Mapping[str, Any]]) -> InvalidInput:
    """``InvalidInput`` naming each field of pydantic/FastAPI validation errors.

    FastAPI prefixes the location (``("body", "title")``); that prefix is dropped so both
    frameworks name the same field. The offending input is never echoed back.
    """
    fields: list[dict[str, str]] = []
    for error in errors:
        location: Sequence[Any] = error.get("loc", ())
        if location and location[0] in _LOCATIONS:
            kind, rest = str(location[0]), [str(part) for part in location[1:]]
        else:
            kind, rest = "body", [str(part) for part in location]
        kind_of_error = str(error.get("type", ""))
        if kind_of_error == "json_invalid":
            fields.append({"field": "body", "message": "is not valid JSON"})
        elif kind == "body" and not rest and kind_of_error in _NOT_AN_OBJECT:
            sent_bytes = isinstance(error.get("input"), bytes)
            fields.append(
                {"field": "body", "message": NOT_JSON if sent_bytes else "must be a JSON object"}
            )
        else:
            message = _MESSAGES.get(kind_of_error) or str(error.get("msg", "is invalid"))
            fields.append(
                {"field": ".".join(rest) or kind, "message": message.removeprefix("Value error, ")}
            )
    summary = "; ".join(f"{item['field']}: {item['message']}" for item in fields)
    return InvalidInput(summary or None, fields)
