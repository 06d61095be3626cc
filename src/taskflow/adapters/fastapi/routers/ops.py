"""Operations: ``GET /health`` and ``GET /ready`` (no auth, no rate limit)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from taskflow.adapters.fastapi.dependencies import get_runtime
from taskflow.adapters.fastapi.routing import TaskflowRoute, operation_id
from taskflow.adapters.web.schemas import HealthOut, ReadyOut

__all__ = ["router"]

router = APIRouter(
    tags=["operations"], route_class=TaskflowRoute, generate_unique_id_function=operation_id
)


@router.get("/health")
async def health() -> HealthOut:
    """The process is up (it answers without touching any dependency)."""
    return HealthOut(status="ok")


@router.get(
    "/ready",
    responses={503: {"model": ReadyOut, "description": "The database does not answer."}},
)
def ready(request: Request, response: Response) -> ReadyOut:
    """The database (and Redis, when configured) answer: 200 ``ready``. Redis does not:
    200 ``degraded`` (the API serves without it). The database does not: 503."""
    status, checks = get_runtime(request).readiness()
    if status == "unavailable":
        response.status_code = 503
    return ReadyOut.model_validate({"status": status, "checks": checks})
