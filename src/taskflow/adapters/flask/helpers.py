"""What a Flask view of taskflow needs: the mounted taskflow, the caller, the parsed
request, and the JSON reply. Usable from your own views too::

    from taskflow.adapters.flask import current_principal, get_taskflow

    @app.get("/reports/mine")
    def my_report():
        page = get_taskflow().tasks.list_mine(current_principal().user_id, limit=100)
        return {"open": sum(task.status != "done" for task in page.items)}
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from flask import Response, current_app, g, request
from pydantic import BaseModel, TypeAdapter, ValidationError

from taskflow.adapters.web.errors import NOT_JSON, invalid_input_from_pydantic
from taskflow.adapters.web.runtime import WebRuntime
from taskflow.adapters.web.schemas import LIST_QUERY_FIELDS
from taskflow.bootstrap import TaskFlow
from taskflow.errors import AuthenticationFailed, ConfigurationError, InvalidInput
from taskflow.services.read_models import Principal

__all__ = [
    "EXTENSION_KEY",
    "bearer_token",
    "current_principal",
    "get_runtime",
    "get_taskflow",
    "parse_body",
    "parse_query",
    "path_uuid",
    "rate_limit",
    "reply",
    "strict_rate_limit",
]

EXTENSION_KEY = "taskflow"

M = TypeVar("M", bound=BaseModel)
P = ParamSpec("P")
R = TypeVar("R")

_UUID = TypeAdapter(UUID)


def get_runtime() -> WebRuntime:
    runtime: WebRuntime | None = current_app.extensions.get(EXTENSION_KEY)
    if runtime is None:
        raise ConfigurationError("taskflow is not set up on this app: TaskFlowExtension(app).")
    return runtime


def get_taskflow() -> TaskFlow:
    return get_runtime().tf


def bearer_token() -> str:
    """The request's bearer token (not yet validated), or 401 without one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationFailed()
    return token


def current_principal() -> Principal:
    """The authenticated caller (found once per request) or 401: the user of a valid,
    unexpired, not revoked access token, or in identity mode
    (``TaskFlowExtension(identity=...)``) the host user the host's resolver names."""
    principal: Principal | None = g.get("_taskflow_principal")
    if principal is None:
        runtime = get_runtime()
        if runtime.identity is not None:
            host_user_id = runtime.identity.resolve()
            if host_user_id is None:
                raise AuthenticationFailed()
            principal = runtime.tf.identities.principal_for(host_user_id)
        else:
            principal = runtime.tf.auth.validate_token(bearer_token())
        g._taskflow_principal = principal
    return principal


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def parse_body(model: type[M]) -> M:
    """The JSON body as ``model``; ``InvalidInput`` naming the fields otherwise."""
    data = request.get_data(cache=True)
    if not data:
        raise InvalidInput.for_field("body", "is required")
    if not _is_json(request.content_type):
        raise InvalidInput.for_field("body", NOT_JSON)
    try:
        return model.model_validate_json(data)
    except ValidationError as error:
        raise invalid_input_from_pydantic(error.errors(include_url=False)) from None


def parse_query(model: type[M]) -> M:
    """The query string as ``model`` (``status`` and ``priority`` may repeat)."""
    raw: dict[str, Any] = {}
    for name in request.args:
        if name in LIST_QUERY_FIELDS:
            raw[name] = request.args.getlist(name)
        else:
            raw[name] = request.args.getlist(name)[-1]
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        errors = [
            {**item, "loc": ("query", *item["loc"])} for item in error.errors(include_url=False)
        ]
        raise invalid_input_from_pydantic(errors) from None


def path_uuid(value: str, name: str) -> UUID:
    """A path parameter that must be a UUID (400 naming it otherwise, as in FastAPI)."""
    try:
        return _UUID.validate_python(value)
    except ValidationError as error:
        errors = [{**item, "loc": ("path", name)} for item in error.errors(include_url=False)]
        raise invalid_input_from_pydantic(errors) from None


def reply(
    body: BaseModel | None, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response of ``body`` (serialized exactly as FastAPI does), or an empty one."""
    if body is None:
        empty = Response(status=status, headers=headers)
        del empty.headers["Content-Type"]  # nothing to type (Flask would say text/html)
        return empty
    return Response(
        body.model_dump_json(), status=status, headers=headers, mimetype="application/json"
    )


def strict_rate_limit(view: Callable[P, R]) -> Callable[P, R]:
    """Apply the stricter per-IP limit of the public auth endpoints to ``view``."""

    @wraps(view)
    def limited(*args: P.args, **kwargs: P.kwargs) -> R:
        runtime = get_runtime()
        runtime.limiter.check("auth", client_address())
        return view(*args, **kwargs)

    return limited


def rate_limit() -> None:
    """The general per-IP limit; every taskflow blueprint but ``ops`` runs it first."""
    get_runtime().limiter.check("default", client_address())


def client_address() -> str:
    # Every header line, in order (the WSGI server usually joined them already).
    forwarded_for = ", ".join(request.headers.getlist("X-Forwarded-For"))
    return get_runtime().client_ip(request.remote_addr, forwarded_for)
