"""Operations: ``GET /health`` and ``GET /ready`` (no auth, no rate limit)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from taskflow.adapters.fastapi.dependencies import get_runtime
from taskflow.adapters.web.health import readiness
from taskflow.adapters.web.schemas import HealthOut, ReadyOut

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> HealthOut:
    """The process is up (it answers without touching any dependency)."""
    return HealthOut(status="ok")


@router.get(
    "/ready",
    responses={503: {"model": ReadyOut, "description": "A dependency does not answer."}},
)
def ready(request: Request, response: Response) -> ReadyOut:
    """The database (and Redis, when configured) answer: 200, else 503."""
    runtime = get_runtime(request)
    redis_url = runtime.config.redis_url
    ok, checks = readiness(runtime.tf, redis_url.get_secret_value() if redis_url else None)
    if not ok:
        response.status_code = 503
    return ReadyOut.model_validate({"status": "ready" if ok else "unavailable", "checks": checks})
