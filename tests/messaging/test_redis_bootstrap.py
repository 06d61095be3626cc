"""REDIS_URL in the settings: the access-token denylist lives in Redis, shared by every
process built from the same settings."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from taskflow import TaskFlow
from taskflow.adapters.redis import RedisDenylistTokenStore
from taskflow.errors import TokenRevoked
from taskflow.settings import Settings, env_name

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("TASKFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for field in Settings.model_fields:
        monkeypatch.delenv(env_name(field), raising=False)
    monkeypatch.chdir(tmp_path)


def _settings() -> Settings:
    return Settings(
        database_url="memory://",
        redis_url=REDIS_URL,
        jwt_secret="j" * 40,
        refresh_secret="r" * 40,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
    )


def test_a_logout_is_seen_by_another_process_through_redis(redis_client: Any) -> None:
    with TaskFlow.from_settings(_settings()) as tf:
        assert isinstance(tf.token_store, RedisDenylistTokenStore)
        tf.auth.signup(email="ali@example.com", password="a long passphrase", name="Ali")
        login = tf.auth.login(email="ali@example.com", password="a long passphrase")
        principal = tf.auth.validate_token(login.token)
        tf.auth.logout(login.token)
        with pytest.raises(TokenRevoked):
            tf.auth.validate_token(login.token)
    key = f"taskflow:denied:{principal.jti}"
    try:
        assert redis_client.exists(key) == 1
        assert 0 < redis_client.pttl(key) <= 15 * 60 * 1000
        # Another process, same Redis: the jti is denied there too.
        other = RedisDenylistTokenStore.from_url(tf.token_store, REDIS_URL)
        assert other.is_denied(principal.jti, datetime.now(UTC))
        other.close()
    finally:
        redis_client.delete(key)
