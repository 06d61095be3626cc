"""TaskFlow.from_settings: settings in, a working taskflow out."""

from __future__ import annotations

import stat
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from taskflow import ConfigurationError, TaskFlow
from taskflow.adapters.webpush import WebPushSender
from taskflow.settings import Settings, env_name, new_vapid_private_key

JWT = "j" * 40
REFRESH = "r" * 40
FAST_ARGON2 = {"argon2_memory_kib": 1024, "argon2_time_cost": 1}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for field in Settings.model_fields:
        monkeypatch.delenv(env_name(field), raising=False)
    monkeypatch.chdir(tmp_path)


def test_memory_storage_gives_a_working_taskflow() -> None:
    settings = Settings(
        database_url="memory://", jwt_secret=JWT, refresh_secret=REFRESH, **FAST_ARGON2
    )
    with TaskFlow.from_settings(settings) as tf:
        tf.auth.signup(email="ali@example.com", password="a long passphrase", name="Ali")
        login = tf.auth.login(email="ali@example.com", password="a long passphrase")
        principal = tf.auth.validate_token(login.token)
        assert tf.auth.me(principal.user_id).email == "ali@example.com"


def test_without_an_argument_the_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "DATABASE_URL": "memory://",
        "JWT_SECRET": JWT,
        "REFRESH_SECRET": REFRESH,
        "TASKFLOW_JWT_ISSUER": "acme",
        "TASKFLOW_ACCESS_TOKEN_TTL": "5m",
        "TASKFLOW_INVITE_TTL": "2d",
    }.items():
        monkeypatch.setenv(name, value)
    with TaskFlow.from_settings() as tf:
        assert tf.auth_config.issuer == "acme"
        assert tf.auth_config.access_token_ttl == timedelta(minutes=5)
        assert tf.auth_config.jwt_secret.get_secret_value() == JWT
        assert tf.invite_config.ttl == timedelta(days=2)


def test_password_hashing_follows_the_settings() -> None:
    settings = Settings(database_url="memory://", argon2_parallelism=2, **FAST_ARGON2)
    with TaskFlow.from_settings(settings) as tf:
        assert "$argon2id$" in tf.hasher.hash("a long passphrase")
        assert "m=1024,t=1,p=2" in tf.hasher.hash("a long passphrase")


def test_no_secrets_uses_the_generated_pair(tmp_path: Path) -> None:
    settings = Settings(database_url="memory://", **FAST_ARGON2)
    with TaskFlow.from_settings(settings) as first, TaskFlow.from_settings(settings) as second:
        assert first.auth_config.jwt_secret == second.auth_config.jwt_secret
    assert (tmp_path / "taskflow-data" / "generated-secrets.json").exists()


def test_bad_settings_fail_with_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    monkeypatch.setenv("JWT_SECRET", JWT)  # REFRESH_SECRET missing
    with pytest.raises(ConfigurationError, match="REFRESH_SECRET"):
        TaskFlow.from_settings()


def test_close_is_idempotent() -> None:
    tf = TaskFlow.from_settings(Settings(database_url="memory://", **FAST_ARGON2))
    tf.close()
    tf.close()


def test_a_mounted_app_follows_the_web_settings_tf_was_built_from() -> None:
    """Mounting without a WebConfig used to ignore the settings' web options (CORS,
    trusted proxies, rate limits, Sentry) although tf was built from those settings."""
    from taskflow.bootstrap.web import build_web_runtime  # noqa: PLC0415

    settings = Settings(
        database_url="memory://",
        jwt_secret=JWT,
        refresh_secret=REFRESH,
        cors_origins=["https://app.example.com"],
        rate_limit="7/minute",
        **FAST_ARGON2,
    )
    with TaskFlow.from_settings(settings) as tf:
        runtime = build_web_runtime(tf)
        assert runtime.config.cors_origins == ("https://app.example.com",)
        assert runtime.config.rate_limit == "7/minute"
    with TaskFlow.from_adapters(
        uow_factory=tf.uow_factory, token_store=tf.token_store, auth_config=tf.auth_config
    ) as built_by_hand:
        assert build_web_runtime(built_by_hand).config.cors_origins == ()


def test_push_is_on_with_the_extra_and_its_vapid_key_is_generated_once(tmp_path: Path) -> None:
    settings = Settings(database_url="memory://", **FAST_ARGON2)
    with TaskFlow.from_settings(settings) as first, TaskFlow.from_settings(settings) as second:
        assert first.push is not None
        assert second.push is not None
        assert first.push.public_key == second.push.public_key
        assert first.notifications.push_public_key() == first.push.public_key
    stored = tmp_path / "taskflow-data" / "generated-vapid-key.json"
    assert stored.exists()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_push_off_or_a_given_key(tmp_path: Path) -> None:
    off = Settings(database_url="memory://", push="off", **FAST_ARGON2)
    with TaskFlow.from_settings(off) as tf:
        assert tf.push is None
    key = new_vapid_private_key()
    given = Settings(database_url="memory://", vapid_private_key=key, **FAST_ARGON2)
    with TaskFlow.from_settings(given) as tf:
        assert tf.push is not None
        assert (
            tf.push.public_key == WebPushSender(private_key=key, subject="mailto:a@b.c").public_key
        )
    assert not (tmp_path / "taskflow-data" / "generated-vapid-key.json").exists()


def test_push_on_without_the_extra_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "taskflow.adapters.webpush", None)  # not installed
    on = Settings(database_url="memory://", push="on", **FAST_ARGON2)
    with pytest.raises(ConfigurationError, match=r"taskflow-embed\[push\]"):
        TaskFlow.from_settings(on)
    auto = Settings(database_url="memory://", **FAST_ARGON2)
    with TaskFlow.from_settings(auto) as tf:
        assert tf.push is None  # auto: no push, and nothing else changes


def test_a_bad_vapid_key_or_subject_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="TASKFLOW_VAPID_PRIVATE_KEY"):
        WebPushSender(private_key="not a key", subject="mailto:a@b.c")
    with pytest.raises(ConfigurationError, match="TASKFLOW_VAPID_SUBJECT"):
        WebPushSender(private_key=new_vapid_private_key(), subject="ops@example.com")
