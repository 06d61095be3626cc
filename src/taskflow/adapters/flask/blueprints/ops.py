"""Operations: ``GET /health`` and ``GET /ready`` (no auth, no rate limit)."""

from __future__ import annotations

from flask import Response

from taskflow.adapters.flask.edge import taskflow_blueprint
from taskflow.adapters.flask.helpers import get_runtime, reply
from taskflow.adapters.web.schemas import HealthOut, ReadyOut

__all__ = ["blueprint"]

blueprint = taskflow_blueprint("taskflow_ops", __name__)


@blueprint.get("/health")
def health() -> Response:
    return reply(HealthOut(status="ok"))


@blueprint.get("/ready")
def ready() -> Response:
    status, checks = get_runtime().readiness()
    body = ReadyOut.model_validate({"status": status, "checks": checks})
    return reply(body, 503 if status == "unavailable" else 200)
