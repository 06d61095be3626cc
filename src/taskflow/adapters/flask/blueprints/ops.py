"""Operations: ``GET /health`` and ``GET /ready`` (no auth, no rate limit)."""

from __future__ import annotations

from flask import Blueprint, Response

from taskflow.adapters.flask.helpers import get_runtime, reply
from taskflow.adapters.web.health import readiness
from taskflow.adapters.web.schemas import HealthOut, ReadyOut

__all__ = ["blueprint"]

blueprint = Blueprint("taskflow_ops", __name__)


@blueprint.get("/health")
def health() -> Response:
    return reply(HealthOut(status="ok"))


@blueprint.get("/ready")
def ready() -> Response:
    runtime = get_runtime()
    redis_url = runtime.config.redis_url
    ok, checks = readiness(runtime.tf, redis_url.get_secret_value() if redis_url else None)
    body = ReadyOut.model_validate({"status": "ready" if ok else "unavailable", "checks": checks})
    return reply(body, 200 if ok else 503)
