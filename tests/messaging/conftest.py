"""Fixtures for the messaging tests: a Redis server of the test's own (``own_redis``, to
stop and start it). The shared Redis (``redis_client``, ``redis_prefix``) is in
tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from redis_server import RedisServer


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
