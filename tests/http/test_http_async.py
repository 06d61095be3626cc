"""``run_service``: async host code awaits taskflow's (blocking) services without
blocking the event loop, in a request or outside one (a background job)."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from fastapi import FastAPI, Request
from httpkit import NO_RATE_LIMITS, PASSWORD

from taskflow import TaskFlow
from taskflow.adapters.fastapi import TaskFlowDep, mount_taskflow, run_service
from taskflow.errors import ConfigurationError, TeamNotFound


def _slow_call(started: threading.Event, release: threading.Event) -> str:
    started.set()
    # Released only by another coroutine: if this call ran on the event loop, nothing
    # else could run and the wait would time out.
    assert release.wait(timeout=5), "the event loop was blocked"
    return threading.current_thread().name


async def _while_in_flight(started: threading.Event, release: threading.Event) -> int:
    """Another coroutine that runs while the slow call is in flight: it ticks, then lets
    the call finish."""
    assert await asyncio.to_thread(started.wait, 5)
    ticks = 0
    for _ in range(3):
        await asyncio.sleep(0)
        ticks += 1
    release.set()
    return ticks


def test_an_async_endpoint_awaits_a_slow_service_call_while_the_loop_runs(tf: TaskFlow) -> None:
    app = FastAPI()
    mount_taskflow(app, tf, NO_RATE_LIMITS)
    started, release = threading.Event(), threading.Event()

    @app.get("/slow")
    async def slow(request: Request) -> dict[str, str]:
        return {"thread": await run_service(request, _slow_call, started, release)}

    async def scenario() -> tuple[dict[str, str], int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://host") as client:
            reply, ticks = await asyncio.gather(
                client.get("/slow"), _while_in_flight(started, release)
            )
            return reply.json(), ticks

    answer, ticks = asyncio.run(scenario())
    assert ticks == 3
    assert answer["thread"].startswith("taskflow-service")


def test_a_background_job_uses_the_app_and_gets_results_and_errors(tf: TaskFlow) -> None:
    app = FastAPI()
    mount_taskflow(app, tf, NO_RATE_LIMITS)
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")

    async def job() -> tuple[str, int, str]:
        started, release = threading.Event(), threading.Event()
        thread, ticks = await asyncio.gather(
            run_service(app, _slow_call, started, release), _while_in_flight(started, release)
        )
        team = await run_service(app, tf.teams.create, owner.user.id, name="Async team")
        with pytest.raises(TeamNotFound):  # the service's exception comes back here
            await run_service(app, tf.teams.get, owner.user.id, owner.user.id)
        return thread, ticks, team.name

    thread, ticks, name = asyncio.run(job())
    assert thread.startswith("taskflow-service")
    assert (ticks, name) == (3, "Async team")


def test_a_taskflow_dependency_and_run_service_together(tf: TaskFlow) -> None:
    app = FastAPI()
    mount_taskflow(app, tf, NO_RATE_LIMITS)
    owner = tf.auth.signup(email="owner@example.com", password=PASSWORD, name="Owner")

    @app.post("/kickoff")
    async def kickoff(request: Request, taskflow: TaskFlowDep) -> dict[str, str]:
        team = await run_service(request, taskflow.teams.create, owner.user.id, name="Kickoff")
        return {"team": team.name}

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://host") as client:
            return await client.post("/kickoff")

    assert asyncio.run(call()).json() == {"team": "Kickoff"}


def test_run_service_needs_taskflow_mounted() -> None:
    with pytest.raises(ConfigurationError, match="mount_taskflow"):
        asyncio.run(run_service(FastAPI(), print))
