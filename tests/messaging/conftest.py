"""Fixtures for the messaging tests: a real Redis (TASKFLOW_TEST_REDIS_URL, default
redis://127.0.0.1:6379/0) with one unique key prefix per test, deleted afterwards.

Without a reachable Redis the Redis tests are skipped, with the reason; with
TASKFLOW_REQUIRE_SERVICES=1 (CI) they fail instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from redis_server import RedisServer

redis = pytest.importorskip("redis")

REDIS_URL = os.environ.get("TASKFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _services_required() -> bool:
    return os.environ.get("TASKFLOW_REQUIRE_SERVICES") == "1"


@pytest.fixture
def redis_client() -> Iterator[Any]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        if _services_required():
            pytest.fail(f"Redis at {REDIS_URL} is unreachable: {error}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client: Any) -> Iterator[str]:
    """A key prefix no other test uses; every key under it is deleted afterwards."""
    prefix = f"taskflow-test:{uuid4().hex}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*", count=500))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
