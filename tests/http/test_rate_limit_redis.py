"""With Redis storage the rate limit is shared by every process: two servers (one FastAPI,
one Flask, as two processes would be) count the same client together."""

from __future__ import annotations

import os
import random

import pytest
from httpkit import build_api
from pydantic import SecretStr

from taskflow.adapters.web import WebConfig

redis = pytest.importorskip("redis")

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("TASKFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("TASKFLOW_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis at {REDIS_URL} is unreachable: {error}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")
    finally:
        client.close()
    return REDIS_URL


def test_two_servers_share_one_limit_through_redis(tf, redis_url):
    config = WebConfig(
        rate_limit="3/minute",
        auth_rate_limit=None,
        rate_limit_storage_url=SecretStr(redis_url),
        trusted_proxies=("127.0.0.1/32",),
    )
    first, second = build_api("fastapi", tf, config), build_api("flask", tf, config)
    # a client address of its own, so earlier runs' counts (kept a minute) do not matter
    address = ".".join(str(random.randrange(1, 255)) for _ in range(3))
    client = {"X-Forwarded-For": f"10.{address}"}
    statuses = [
        first.get("/teams", headers=client).status,
        second.get("/teams", headers=client).status,
        first.get("/teams", headers=client).status,
        second.get("/teams", headers=client).status,
    ]
    assert statuses == [401, 401, 401, 429]
