"""Redis down does not take the API down (issue 12, point 3), on both servers.

Built from the settings as in production (``REDIS_URL``: the denylist and the rate limits
in Redis, on the in-memory database): with Redis unreachable every endpoint still serves,
the database's denylist stands in (a logout is never lost), the rate limits count in the
process, ``/ready`` says ``degraded`` with 200, and the outage is logged once. A Redis of
the test's own, stopped and started, shows the API coming back to Redis by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpkit import PASSWORD, Api, build_api

from redis_server import RedisServer, free_port
from taskflow import TaskFlow
from taskflow.adapters import circuit_breaker
from taskflow.adapters.web import WebConfig
from taskflow.settings import Settings, env_name


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for field in Settings.model_fields:
        monkeypatch.delenv(env_name(field), raising=False)
    monkeypatch.chdir(tmp_path)


def _settings(redis_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "memory://",
        "redis_url": redis_url,
        "jwt_secret": "j" * 40,
        "refresh_secret": "r" * 40,
        "argon2_memory_kib": 1024,
        "argon2_time_cost": 1,
    }
    return Settings(**values | overrides)


@pytest.fixture
def closed_redis_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


@pytest.fixture
def redis_down_api(server: str, closed_redis_url: str) -> Iterator[Api]:
    settings = _settings(closed_redis_url)
    with TaskFlow.from_settings(settings) as tf:
        yield build_api(server, tf, WebConfig.from_settings(settings))


def _signup(api: Api, email: str = "ali@example.com") -> str:
    reply = api.post("/auth/signup", {"email": email, "password": PASSWORD, "name": "Ali"})
    assert reply.status == 201, reply.content
    return str(reply.json()["token"])


def test_with_redis_unreachable_every_endpoint_still_serves(
    redis_down_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api = redis_down_api
    with caplog.at_level(logging.INFO, logger="taskflow"):
        token = _signup(api)
        assert api.get("/auth/me", token=token).status == 200
        team = api.post("/teams", {"name": "Ops"}, token=token)
        assert team.status == 201
        tasks = f"/teams/{team.json()['id']}/tasks"
        task = api.post(tasks, {"title": "Keep serving"}, token=token)
        assert task.status == 201
        changed = api.patch(f"/tasks/{task.json()['id']}", {"status": "done"}, token=token)
        assert changed.status == 200
        listed = api.get(tasks, token=token)
        assert listed.status == 200
        assert [t["title"] for t in listed.json()["items"]] == ["Keep serving"]
        for _ in range(20):
            assert api.get("/auth/me", token=token).status == 200

        ready = api.get("/ready")
        assert ready.status == 200
        assert ready.json() == {
            "status": "degraded",
            "checks": {"database": "ok", "redis": "unavailable"},
        }

        assert api.post("/auth/logout", token=token).status == 204
        after = api.get("/auth/me", token=token)
        assert after.status == 401
        assert after.error_code == "token_revoked"

    outages = [r for r in caplog.records if "unavailable" in r.getMessage()]
    # Once per outage: the denylist's, and the edge's (rate limits and /ready together).
    assert [r.levelno for r in outages] == [logging.WARNING, logging.WARNING]
    assert all(r.exc_info is None for r in outages)  # no traceback


def test_with_redis_unreachable_rate_limits_count_in_the_process(
    server: str, closed_redis_url: str
) -> None:
    settings = _settings(closed_redis_url, rate_limit="3/minute")
    with TaskFlow.from_settings(settings) as tf:
        api = build_api(server, tf, WebConfig.from_settings(settings))
        assert [api.get("/teams").status for _ in range(5)] == [401, 401, 401, 429, 429]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.mark.redis
def test_a_logout_while_redis_is_down_holds_when_redis_returns(
    server: str, own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(circuit_breaker, "RETRY_AFTER_SECONDS", 0.0)  # probe at once
    settings = _settings(own_redis.url)
    with TaskFlow.from_settings(settings) as tf:
        api = build_api(server, tf, WebConfig.from_settings(settings))
        token = _signup(api)
        other = api.post("/auth/login", {"email": "ali@example.com", "password": PASSWORD})
        other_token = other.json()["token"]
        assert api.get("/ready").json()["status"] == "ready"

        own_redis.stop()
        assert api.post("/auth/logout", token=token).status == 204
        assert api.get("/auth/me", token=token).status == 401
        assert api.get("/auth/me", token=other_token).status == 200
        assert api.get("/ready").json()["status"] == "degraded"

        own_redis.start()  # empty: the denial made while it was down is not in it
        assert api.get("/ready").json() == {
            "status": "ready",
            "checks": {"database": "ok", "redis": "ok"},
        }
        refused = api.get("/auth/me", token=token)
        assert refused.status == 401
        assert refused.error_code == "token_revoked"
        assert api.get("/auth/me", token=other_token).status == 200
        # Redis serves the denylist again: a new logout goes there.
        assert api.post("/auth/logout", token=other_token).status == 204
        assert api.get("/auth/me", token=other_token).status == 401
        assert tf.token_store.redis_is_down is False  # type: ignore[attr-defined]
