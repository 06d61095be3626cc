"""Settings: variable names, the .env file, the secrets rules, generated secrets, and
errors that name the variable without ever showing a secret."""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import pytest
from pydantic import SecretStr

from taskflow.config import AuthConfig, InviteConfig, PasswordHashingConfig
from taskflow.errors import ConfigurationError
from taskflow.security.keyring import Keyring
from taskflow.settings import (
    GENERATED_DATA_KEYS_FILE,
    GENERATED_SECRETS_FILE,
    Settings,
    env_name,
)

ROOT = Path(__file__).resolve().parents[2]
JWT = "j" * 40
REFRESH = "r" * 40
MARKER = "Sup3rS3cret-MARKER-value-that-must-never-leak-0123456789"

# The variable names the issue fixes: the seed's, its family, and TASKFLOW_ for the rest.
SEED_NAMES = {
    "DATABASE_URL",
    "JWT_SECRET",
    "REFRESH_SECRET",
    "REDIS_URL",
    "SMTP_PASSWORD",
    "SENTRY_DSN",
    "AUTH_DATABASE_URL",
    "TASK_DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_FROM",
    "SMTP_TLS",
    "CORS_ORIGINS",
}
ALL_NAMES = sorted(env_name(field) for field in Settings.model_fields)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No taskflow variable from the outside, and a fresh current directory (so no
    developer's .env is read and the default data dir lands in tmp_path)."""
    for name in ALL_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- Names -------------------------------------------------------------------------------


def test_the_seed_names_are_used_as_they_are_and_the_rest_have_the_taskflow_prefix() -> None:
    assert set(ALL_NAMES) >= SEED_NAMES
    for name in set(ALL_NAMES) - SEED_NAMES:
        assert name.startswith("TASKFLOW_"), name


# (variable, raw value, field, expected value; None for a secret)
VARIABLE_CASES: list[tuple[str, str, str, object]] = [
        ("DATABASE_URL", "postgresql+psycopg://u:p@db/x", "database_url", None),
        ("AUTH_DATABASE_URL", "sqlite:///auth.db", "auth_database_url", None),
        ("TASK_DATABASE_URL", "sqlite:///task.db", "task_database_url", None),
        ("DATABASE_REPLICA_URL", "sqlite:///replica.db", "database_replica_url", None),
        ("REDIS_URL", "redis://127.0.0.1:6379/0", "redis_url", None),
        ("TASKFLOW_QUEUE_URL", "amqp://u:p@mq/vhost", "queue_url", None),
        ("TASKFLOW_QUEUE_NAME", "acme.events", "queue_name", "acme.events"),
        ("SMTP_PASSWORD", "pw", "smtp_password", None),
        ("SENTRY_DSN", "https://key@sentry.example/1", "sentry_dsn", None),
        ("SMTP_HOST", "mail.example.com", "smtp_host", "mail.example.com"),
        ("SMTP_PORT", "465", "smtp_port", 465),
        ("SMTP_USERNAME", "bot", "smtp_username", "bot"),
        ("SMTP_FROM", "Team <team@example.com>", "smtp_from", "Team <team@example.com>"),
        ("SMTP_TLS", "TLS", "smtp_tls", "tls"),
        ("CORS_ORIGINS", "https://a.example, http://localhost:3000/", "cors_origins",
         ["https://a.example", "http://localhost:3000"]),
        ("TASKFLOW_DATA_DIR", "/srv/tf", "data_dir", Path("/srv/tf")),
        ("TASKFLOW_MAIL_DIR", "/srv/mail", "mail_dir", Path("/srv/mail")),
        ("TASKFLOW_RATE_LIMIT", "5/second", "rate_limit", "5/second"),
        ("TASKFLOW_AUTH_RATE_LIMIT", "3 per minute", "auth_rate_limit", "3 per minute"),
        ("TASKFLOW_TRUSTED_PROXIES", "10.0.0.0/8,::1", "trusted_proxies",
         [ip_network("10.0.0.0/8"), ip_network("::1")]),
        ("TASKFLOW_JWT_ALGORITHM", "HS512", "jwt_algorithm", "HS512"),
        ("TASKFLOW_JWT_ISSUER", "acme", "jwt_issuer", "acme"),
        ("TASKFLOW_JWT_AUDIENCE", "acme-app", "jwt_audience", "acme-app"),
        ("TASKFLOW_ACCESS_TOKEN_TTL", "600", "access_token_ttl", timedelta(minutes=10)),
        ("TASKFLOW_REFRESH_TOKEN_TTL", "14d", "refresh_token_ttl", timedelta(days=14)),
        ("TASKFLOW_EMAIL_VERIFICATION_TTL", "PT30M", "email_verification_ttl",
         timedelta(minutes=30)),
        ("TASKFLOW_PASSWORD_RESET_TTL", "2h", "password_reset_ttl", timedelta(hours=2)),
        ("TASKFLOW_EMAIL_CHANGE_TTL", "1d", "email_change_ttl", timedelta(days=1)),
        ("TASKFLOW_EMAIL_CHANGE_UNDO_TTL", "3d", "email_change_undo_ttl", timedelta(days=3)),
        ("TASKFLOW_ACCOUNT_DELETION_GRACE", "14d", "account_deletion_grace",
         timedelta(days=14)),
        ("TASKFLOW_INVITE_TTL", "3d", "invite_ttl", timedelta(days=3)),
        ("TASKFLOW_INVITE_SENDER_LIMIT", "10", "invite_sender_limit", 10),
        ("TASKFLOW_DATA_EXPORT_INTERVAL", "1h", "data_export_interval", timedelta(hours=1)),
        ("TASKFLOW_LOCKOUT_THRESHOLD", "3", "lockout_threshold", 3),
        ("TASKFLOW_LOCKOUT_MINUTES", "30", "lockout_minutes", 30),
        ("TASKFLOW_ARGON2_MEMORY_KIB", "65536", "argon2_memory_kib", 65536),
        ("TASKFLOW_ARGON2_TIME_COST", "3", "argon2_time_cost", 3),
        ("TASKFLOW_ARGON2_PARALLELISM", "2", "argon2_parallelism", 2),
        ("TASKFLOW_LOG_LEVEL", "debug", "log_level", "DEBUG"),
        ("TASKFLOW_SMTP_TIMEOUT", "7.5", "smtp_timeout", 7.5),
        ("TASKFLOW_APP_URL", "https://tasks.example.com", "app_url", "https://tasks.example.com"),
        ("TASKFLOW_TEMPLATE_DIR", "/srv/templates", "template_dir", Path("/srv/templates")),
        ("TASKFLOW_APP_NAME", "Acme Tasks", "app_name", "Acme Tasks"),
        ("TASKFLOW_DEFAULT_LANGUAGE", "EN", "default_language", "en"),
        ("TASKFLOW_INVITE_LINK_PATH", "/join", "invite_link_path", "/join"),
        ("TASKFLOW_VERIFY_EMAIL_LINK_PATH", "/account/verify", "verify_email_link_path",
         "/account/verify"),
        ("TASKFLOW_RESET_PASSWORD_LINK_PATH", "/#/reset", "reset_password_link_path",
         "/#/reset"),
        ("TASKFLOW_EMAIL_CHANGE_LINK_PATH", "/#/email", "email_change_link_path", "/#/email"),
        ("TASKFLOW_EMAIL_CHANGE_UNDO_LINK_PATH", "/undo", "email_change_undo_link_path",
         "/undo"),
        ("TASKFLOW_TASK_LINK_PATH", "/app/t/{id}/view", "task_link_path", "/app/t/{id}/view"),
        ("TASKFLOW_MAIL_MAX_ATTEMPTS", "3", "mail_max_attempts", 3),
        ("TASKFLOW_MAIL_RETRY_BASE", "10s", "mail_retry_base", timedelta(seconds=10)),
        ("TASKFLOW_MAIL_RETRY_MAX", "30m", "mail_retry_max", timedelta(minutes=30)),
        ("TASKFLOW_MAIL_RATE_LIMIT", "5", "mail_rate_limit", 5),
        ("TASKFLOW_MAIL_RATE_WINDOW", "1d", "mail_rate_window", timedelta(days=1)),
        ("TASKFLOW_MAIL_CLAIM_TIMEOUT", "2m", "mail_claim_timeout", timedelta(minutes=2)),
        ("TASKFLOW_DB_POOL_SIZE", "12", "db_pool_size", 12),
        ("TASKFLOW_DB_MAX_OVERFLOW", "0", "db_max_overflow", 0),
        ("TASKFLOW_SQL_DIRECT_LANE", "off", "sql_direct_lane", "off"),
        ("TASKFLOW_TABLE_PREFIX", "tf_", "table_prefix", "tf_"),
        ("TASKFLOW_DB_SCHEMA", "taskflow", "db_schema", "taskflow"),
        ("TASKFLOW_PUSH", "OFF", "push", "off"),
        ("TASKFLOW_VAPID_PRIVATE_KEY", "k" * 43, "vapid_private_key", None),
        ("TASKFLOW_VAPID_SUBJECT", "mailto:ops@example.com", "vapid_subject",
         "mailto:ops@example.com"),
        ("TASKFLOW_PUSH_HOSTS", "fcm.googleapis.com, *.push.apple.com", "push_hosts",
         ["fcm.googleapis.com", "*.push.apple.com"]),
        ("TASKFLOW_PUSH_TTL", "2h", "push_ttl", timedelta(hours=2)),
        ("TASKFLOW_PUSH_TIMEOUT", "3", "push_timeout", 3.0),
        ("TASKFLOW_PUSH_RATE_LIMIT", "7", "push_rate_limit", 7),
        ("TASKFLOW_PUSH_RATE_WINDOW", "10m", "push_rate_window", timedelta(minutes=10)),
]  # fmt: skip


@pytest.mark.parametrize(("variable", "raw", "field", "expected"), VARIABLE_CASES)
def test_each_variable_sets_its_field(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(variable, raw)
    value = getattr(Settings(), field)
    if expected is None:  # a secret: kept, but only behind get_secret_value()
        assert value.get_secret_value() == raw
    else:
        assert value == expected
    assert env_name(field) == variable


def test_every_field_is_covered_by_the_variable_test() -> None:
    variables = {case[0] for case in VARIABLE_CASES}
    # The secrets need each other: tested apart (here and in test_key_rotation.py).
    apart = {
        "JWT_SECRET",
        "REFRESH_SECRET",
        "TASKFLOW_DATA_KEYS",
        "TASKFLOW_JWT_PREVIOUS_SECRETS",
        "TASKFLOW_REFRESH_PREVIOUS_SECRETS",
    }
    assert variables | apart == set(ALL_NAMES)


def test_defaults_are_the_embedded_set_up(clean_environment: Path) -> None:
    settings = Settings()
    data_dir = clean_environment / "taskflow-data"
    assert settings.resolved_database_url() == f"sqlite:///{data_dir / 'taskflow.sqlite3'}"
    assert not settings.uses_memory_storage
    assert not settings.uses_redis  # the in-process queue
    assert not settings.uses_smtp  # mail written to files
    assert settings.resolved_mail_dir().resolve() == data_dir / "mail"
    assert settings.rate_limit == "100/minute"
    assert settings.cors_origins == []
    assert settings.trusted_proxies == []
    assert settings.jwt_secret is None
    assert settings.refresh_secret is None


def test_memory_url_selects_the_in_memory_adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    assert Settings().uses_memory_storage


def test_redis_and_smtp_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SMTP_HOST", "mail.example.com")
    settings = Settings()
    assert settings.uses_redis
    assert settings.uses_smtp


def test_names_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("taskflow_rate_limit", "7/second")
    assert Settings().rate_limit == "7/second"


def test_reading_happens_when_called_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKFLOW_INVITE_TTL", "1d")
    first = Settings()
    monkeypatch.setenv("TASKFLOW_INVITE_TTL", "2d")
    assert (first.invite_ttl, Settings().invite_ttl) == (timedelta(days=1), timedelta(days=2))


def test_values_can_be_passed_by_field_name() -> None:
    settings = Settings(database_url="memory://", smtp_port=2525, _env_file=None)
    assert settings.uses_memory_storage
    assert settings.smtp_port == 2525


def test_settings_are_immutable() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.rate_limit = "1/second"  # type: ignore[misc]


# --- The .env file -----------------------------------------------------------------------


def test_a_dotenv_file_in_the_current_directory_is_read(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text(
        "TASKFLOW_RATE_LIMIT=20/minute\n"
        "REDIS_URL=redis://127.0.0.1:6379/3\n"
        "SOMETHING_ELSE=ignored\n"  # other programs' variables do not bother taskflow
        "SMTP_HOST=\n",  # empty means not set
        encoding="utf-8",
    )
    settings = Settings()
    assert settings.rate_limit == "20/minute"
    assert settings.redis_url is not None
    assert settings.redis_url.get_secret_value() == "redis://127.0.0.1:6379/3"
    assert settings.smtp_host is None


def test_the_environment_wins_over_the_dotenv_file(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_environment / ".env").write_text("TASKFLOW_RATE_LIMIT=20/minute\n", encoding="utf-8")
    monkeypatch.setenv("TASKFLOW_RATE_LIMIT", "30/minute")
    assert Settings().rate_limit == "30/minute"


def test_another_dotenv_file_can_be_named(clean_environment: Path) -> None:
    other = clean_environment / "prod.env"
    other.write_text(f"JWT_SECRET={JWT}\nREFRESH_SECRET={REFRESH}\n", encoding="utf-8")
    settings = Settings(_env_file=other)
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == JWT


# --- Mistyped names ----------------------------------------------------------------------


def test_an_unknown_taskflow_variable_is_refused_naming_the_closest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKFLOW_RATE_LIMT", "7/second")
    with pytest.raises(ConfigurationError) as caught:
        Settings()
    message = caught.value.message
    assert "TASKFLOW_RATE_LIMT" in message
    assert "did you mean TASKFLOW_RATE_LIMIT?" in message
    assert "7/second" not in message
    assert "\n" not in message


def test_a_taskflow_prefix_on_a_seed_name_points_to_the_seed_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKFLOW_DATABASE_URL", "memory://")
    with pytest.raises(ConfigurationError, match="did you mean DATABASE_URL"):
        Settings()


def test_a_lower_case_unknown_variable_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("taskflow_rate_limt", "7/second")
    with pytest.raises(ConfigurationError, match="TASKFLOW_RATE_LIMIT"):
        Settings()


def test_the_test_harness_variables_are_known_non_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKFLOW_REQUIRE_SERVICES", "1")
    monkeypatch.setenv("TASKFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://x@h/db")
    monkeypatch.setenv("TASKFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://x@h/db")
    assert Settings(_env_file=None).rate_limit == "100/minute"


def test_other_programs_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABSE_URL", "someone else's")  # the environment is everyone's
    monkeypatch.setenv("PGHOST", "db")
    assert Settings(_env_file=None).database_url is None


@pytest.mark.parametrize(
    ("line", "closest"),
    [
        ("DATABSE_URL=postgresql://db/x", "DATABASE_URL"),  # one edit
        ("DATABSE_URLS=postgresql://db/x", "DATABASE_URL"),  # two edits
        ("SMTP_HOTS=mail.example.com", "SMTP_HOST"),
        ("TASKFLOW_RATE_LIMT=7/second", "TASKFLOW_RATE_LIMIT"),
        ("TASKFLOW_DATA_DIRECTORY=/srv", "TASKFLOW_DATA_DIR"),
    ],
)
def test_a_mistyped_dotenv_key_is_refused_naming_the_closest(
    clean_environment: Path, line: str, closest: str
) -> None:
    (clean_environment / ".env").write_text(f"{line}\n", encoding="utf-8")
    key = line.partition("=")[0]
    with pytest.raises(ConfigurationError) as caught:
        Settings()
    assert caught.value.message == f"Unknown setting {key} in .env: did you mean {closest}?"


def test_a_dotenv_key_far_from_every_setting_is_another_programs(
    clean_environment: Path,
) -> None:
    (clean_environment / ".env").write_text(
        "POSTGRES_PASSWORD=x\nNODE_ENV=production\nDATABASE_URL=memory://\n", encoding="utf-8"
    )
    assert Settings().uses_memory_storage


def test_a_named_dotenv_file_is_checked_too(clean_environment: Path) -> None:
    other = clean_environment / "prod.env"
    other.write_text("REDIS_ULR=redis://127.0.0.1:6379/0\n", encoding="utf-8")
    expected = r"REDIS_ULR in .*prod\.env: did you mean REDIS_URL"
    with pytest.raises(ConfigurationError, match=expected):
        Settings(_env_file=other)
    Settings(_env_file=None)  # no file: nothing to check


def test_an_unknown_keyword_is_refused_naming_the_closest() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings(rate_limt="7/second", _env_file=None)
    assert caught.value.message == (
        "Settings() got an unknown setting 'rate_limt': did you mean 'rate_limit'?"
    )


def test_keywords_may_be_field_names_or_the_seed_names() -> None:
    settings = Settings(DATABASE_URL="memory://", rate_limit="7/second", _env_file=None)
    assert settings.uses_memory_storage
    assert settings.rate_limit == "7/second"


def test_env_example_lists_every_variable_at_its_default() -> None:
    example = ROOT / ".env.example"
    assigned = {
        line.partition("=")[0]
        for line in example.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert assigned == set(ALL_NAMES)
    assert Settings(_env_file=example) == Settings(_env_file=None)


def test_the_configuration_docs_describe_every_variable() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in ALL_NAMES if f"`{name}`" not in text]
    assert missing == []


# --- Secrets rules -----------------------------------------------------------------------


def test_both_secrets_set_are_used_as_given() -> None:
    config = Settings(jwt_secret=JWT, refresh_secret=REFRESH).auth_config()
    assert config.jwt_secret.get_secret_value() == JWT
    assert config.refresh_secret.get_secret_value() == REFRESH


@pytest.mark.parametrize(
    ("given", "missing"),
    [({"JWT_SECRET": JWT}, "REFRESH_SECRET"), ({"REFRESH_SECRET": REFRESH}, "JWT_SECRET")],
)
def test_setting_only_one_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, given: dict[str, str], missing: str
) -> None:
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=f"but {missing} is not") as caught:
        Settings()
    assert next(iter(given.values())) not in str(caught.value)


@pytest.mark.parametrize("short", ["JWT_SECRET", "REFRESH_SECRET"])
def test_a_secret_shorter_than_32_characters_is_refused(
    monkeypatch: pytest.MonkeyPatch, short: str
) -> None:
    monkeypatch.setenv("JWT_SECRET", JWT)
    monkeypatch.setenv("REFRESH_SECRET", REFRESH)
    monkeypatch.setenv(short, "x" * 31)
    with pytest.raises(ConfigurationError, match=f"^{short} is too short") as caught:
        Settings()
    assert "x" * 31 not in str(caught.value)


def test_a_secret_of_exactly_32_characters_is_accepted() -> None:
    settings = Settings(jwt_secret="a" * 32, refresh_secret="b" * 32)
    assert settings.jwt_secret is not None


def test_equal_secrets_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", MARKER)
    monkeypatch.setenv("REFRESH_SECRET", MARKER)
    with pytest.raises(ConfigurationError, match="must be different") as caught:
        Settings()
    assert MARKER not in str(caught.value)


# --- Generated secrets (the embedded default) --------------------------------------------


def test_no_secrets_generates_a_strong_pair_kept_owner_only(clean_environment: Path) -> None:
    config = Settings().auth_config()
    jwt, refresh = config.jwt_secret.get_secret_value(), config.refresh_secret.get_secret_value()
    assert len(jwt) >= 64  # token_urlsafe(48)
    assert len(refresh) >= 64
    assert jwt != refresh
    stored = clean_environment / "taskflow-data" / GENERATED_SECRETS_FILE
    assert json.loads(stored.read_text(encoding="utf-8")) == {
        "jwt_secret": jwt,
        "refresh_secret": refresh,
    }
    if os.name == "posix":
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_generated_secrets_are_reused_on_the_next_start() -> None:
    first = Settings().auth_config()
    second = Settings().auth_config()
    assert first.jwt_secret.get_secret_value() == second.jwt_secret.get_secret_value()
    assert first.refresh_secret.get_secret_value() == second.refresh_secret.get_secret_value()


def test_each_data_dir_has_its_own_generated_secrets(tmp_path: Path) -> None:
    one = Settings(data_dir=tmp_path / "one").auth_config().jwt_secret
    two = Settings(data_dir=tmp_path / "two").auth_config().jwt_secret
    assert one.get_secret_value() != two.get_secret_value()


def test_generated_secrets_log_a_warning_without_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="taskflow.settings"):
        config = Settings().auth_config()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "production must set its own" in message
    assert config.jwt_secret.get_secret_value() not in message
    assert config.refresh_secret.get_secret_value() not in message


def test_explicit_secrets_log_no_warning_and_write_no_file(
    caplog: pytest.LogCaptureFixture, clean_environment: Path
) -> None:
    with caplog.at_level(logging.WARNING):
        Settings(jwt_secret=JWT, refresh_secret=REFRESH).auth_config()
    assert caplog.records == []
    assert not (clean_environment / "taskflow-data").exists()


def test_a_damaged_secrets_file_is_a_clear_error(clean_environment: Path) -> None:
    data_dir = clean_environment / "taskflow-data"
    data_dir.mkdir()
    (data_dir / GENERATED_SECRETS_FILE).write_text('{"jwt_secret": "short"}', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="is damaged: delete it"):
        Settings().auth_config()


def test_concurrent_first_starts_agree_on_one_pair() -> None:
    results: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        results.append(Settings().auth_config().jwt_secret.get_secret_value())

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len(set(results)) == 1


def test_a_world_readable_secrets_file_is_warned_about(
    clean_environment: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    Settings().auth_config()
    (clean_environment / "taskflow-data" / GENERATED_SECRETS_FILE).chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="taskflow.settings"):
        Settings().auth_config()
    assert any("chmod 600" in record.getMessage() for record in caplog.records)


# --- Secrets never leak --------------------------------------------------------------------

SECRET_FIELDS = [
    "database_url",
    "auth_database_url",
    "task_database_url",
    "database_replica_url",
    "redis_url",
    "smtp_password",
    "sentry_dsn",
]


def _all_secrets_set() -> Settings:
    values: dict[str, object] = {field: f"{field}-{MARKER}" for field in SECRET_FIELDS}
    values["queue_url"] = f"amqp://u:{MARKER}@mq/vhost"  # its scheme is checked
    return Settings(jwt_secret=f"jwt-{MARKER}", refresh_secret=f"refresh-{MARKER}", **values)


def test_secrets_are_not_in_repr_str_or_json() -> None:
    settings = _all_secrets_set()
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert MARKER not in text
    config = settings.auth_config()
    assert MARKER not in repr(config)
    assert MARKER not in str(config)


def test_invalid_settings_errors_never_show_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", f"jwt-{MARKER}")
    monkeypatch.setenv("REFRESH_SECRET", f"refresh-{MARKER}")
    monkeypatch.setenv("DATABASE_URL", f"postgresql://u:{MARKER}@db/x")
    monkeypatch.setenv("SMTP_PORT", "not-a-port")
    with pytest.raises(ConfigurationError) as caught:
        Settings()
    error = caught.value
    assert "SMTP_PORT" in str(error)
    assert MARKER not in str(error)
    assert MARKER not in repr(error)
    # The pydantic error (which shows input values) is not chained to it.
    assert error.__cause__ is None
    assert error.__suppress_context__


def test_a_secret_of_the_wrong_type_is_reported_without_its_value() -> None:
    with pytest.raises(ConfigurationError, match=r"^Invalid settings: JWT_SECRET") as caught:
        Settings(jwt_secret=1234567890123456789012345678901234567, refresh_secret=REFRESH)
    assert "1234567890123456789012345678901234567" not in str(caught.value)


# --- Bad values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "raw", "fragment"),
    [
        ("TASKFLOW_ACCESS_TOKEN_TTL", "15:00", "use seconds (900)"),
        ("TASKFLOW_ACCESS_TOKEN_TTL", "0", "greater than"),
        ("TASKFLOW_REFRESH_TOKEN_TTL", "soon", "use seconds (900)"),
        ("SMTP_PORT", "70000", "less than or equal to 65535"),
        ("SMTP_PORT", "smtp", "valid integer"),
        ("SMTP_TLS", "maybe", "'starttls', 'tls' or 'none'"),
        ("TASKFLOW_JWT_ALGORITHM", "none", "'HS256', 'HS384' or 'HS512'"),
        ("TASKFLOW_JWT_ALGORITHM", "RS256", "'HS256', 'HS384' or 'HS512'"),
        ("TASKFLOW_LOCKOUT_THRESHOLD", "0", "greater than or equal to 1"),
        ("TASKFLOW_LOCKOUT_MINUTES", "-1", "greater than or equal to 1"),
        ("TASKFLOW_ARGON2_TIME_COST", "0", "greater than or equal to 1"),
        ("CORS_ORIGINS", "*", "is not an origin"),
        ("CORS_ORIGINS", "https://app.example.com/path", "is not an origin"),
        ("TASKFLOW_RATE_LIMIT", "fast", "is not a rate"),
        ("TASKFLOW_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local", "not a valid IPv4 or IPv6"),
        ("TASKFLOW_LOG_LEVEL", "LOUD", "'DEBUG', 'INFO'"),
        ("TASKFLOW_DB_POOL_SIZE", "0", "greater than or equal to 1"),
        ("TASKFLOW_DB_MAX_OVERFLOW", "-1", "greater than or equal to 0"),
        ("TASKFLOW_TABLE_PREFIX", "TF_", "is not a safe name"),
        ("TASKFLOW_TABLE_PREFIX", "tf-", "is not a safe name"),
        ("TASKFLOW_TABLE_PREFIX", "1tf_", "is not a safe name"),
        ("TASKFLOW_TABLE_PREFIX", "tf_; drop table users", "is not a safe name"),
        ("TASKFLOW_DB_SCHEMA", "Task Flow", "is not a safe name"),
        ("TASKFLOW_DB_SCHEMA", "x" * 64, "is not a safe name"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, fragment: str
) -> None:
    monkeypatch.setenv(variable, raw)
    with pytest.raises(ConfigurationError) as caught:
        Settings()
    message = str(caught.value)
    assert message.startswith(f"Invalid settings: {variable}: "), message
    assert fragment in message


def test_argon2_memory_must_cover_its_lanes() -> None:
    with pytest.raises(ConfigurationError, match="TASKFLOW_ARGON2_MEMORY_KIB"):
        Settings(argon2_memory_kib=8, argon2_parallelism=2)


def test_several_bad_values_are_all_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PORT", "0")
    monkeypatch.setenv("TASKFLOW_RATE_LIMIT", "fast")
    with pytest.raises(ConfigurationError) as caught:
        Settings()
    assert "SMTP_PORT" in str(caught.value)
    assert "TASKFLOW_RATE_LIMIT" in str(caught.value)


# --- Into the services' configuration ------------------------------------------------------


def test_settings_become_the_service_configs(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "JWT_SECRET": JWT,
        "REFRESH_SECRET": REFRESH,
        "TASKFLOW_JWT_ALGORITHM": "HS384",
        "TASKFLOW_JWT_ISSUER": "acme",
        "TASKFLOW_JWT_AUDIENCE": "acme-web",
        "TASKFLOW_ACCESS_TOKEN_TTL": "5m",
        "TASKFLOW_REFRESH_TOKEN_TTL": "1d",
        "TASKFLOW_EMAIL_VERIFICATION_TTL": "3h",
        "TASKFLOW_PASSWORD_RESET_TTL": "20m",
        "TASKFLOW_LOCKOUT_THRESHOLD": "7",
        "TASKFLOW_LOCKOUT_MINUTES": "45",
        "TASKFLOW_INVITE_TTL": "2d",
        "TASKFLOW_ARGON2_MEMORY_KIB": "32768",
        "TASKFLOW_ARGON2_TIME_COST": "3",
        "TASKFLOW_ARGON2_PARALLELISM": "2",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    auth = settings.auth_config()
    assert auth == AuthConfig(
        jwt_secret=auth.jwt_secret,
        refresh_secret=auth.refresh_secret,
        jwt_algorithm="HS384",
        issuer="acme",
        audience="acme-web",
        access_token_ttl=timedelta(minutes=5),
        refresh_token_ttl=timedelta(days=1),
        lockout_threshold=7,
        lockout_duration=timedelta(minutes=45),
        email_verification_ttl=timedelta(hours=3),
        password_reset_ttl=timedelta(minutes=20),
    )
    assert auth.jwt_secret.get_secret_value() == JWT
    assert settings.invite_config() == InviteConfig(ttl=timedelta(days=2))
    assert settings.password_hashing_config() == PasswordHashingConfig(
        memory_cost_kib=32768, time_cost=3, parallelism=2
    )


def test_default_service_configs_match_the_seed() -> None:
    settings = Settings()
    auth = settings.auth_config()
    assert auth.access_token_ttl == timedelta(minutes=15)
    assert auth.refresh_token_ttl == timedelta(days=7)
    assert auth.lockout_threshold == 5
    assert auth.lockout_duration == timedelta(minutes=15)
    assert settings.password_hashing_config() == PasswordHashingConfig()  # OWASP's


# --- The data keyring ---------------------------------------------------------------------

DATA_KEY_NEW = "n" * 43
DATA_KEY_OLD = "o" * 43


def test_data_keys_are_read_newest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKFLOW_DATA_KEYS", f" {DATA_KEY_NEW} , {DATA_KEY_OLD} ")
    keyring = Settings().data_keyring()
    assert [key.key_id for key in keyring.for_use("cursor")] == [
        Keyring([SecretStr(DATA_KEY_NEW)]).current("cursor").key_id,
        Keyring([SecretStr(DATA_KEY_OLD)]).current("cursor").key_id,
    ]


def test_a_short_data_key_is_refused_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKFLOW_DATA_KEYS", f"{DATA_KEY_NEW},{MARKER[:10]}")
    with pytest.raises(ConfigurationError, match="at least 32") as caught:
        Settings().data_keyring()
    assert MARKER[:10] not in str(caught.value)


def test_without_data_keys_one_is_generated_once_owner_only(
    clean_environment: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="taskflow.settings"):
        first = Settings(jwt_secret=JWT, refresh_secret=REFRESH).data_keyring()
    second = Settings(jwt_secret=JWT, refresh_secret=REFRESH).data_keyring()
    assert first.current("cursor") == second.current("cursor")
    stored = clean_environment / "taskflow-data" / GENERATED_DATA_KEYS_FILE
    (key,) = json.loads(stored.read_text(encoding="utf-8"))["data_keys"]
    assert len(key) >= 43
    assert any("TASKFLOW_DATA_KEYS is not set" in r.getMessage() for r in caplog.records)
    assert all(key not in r.getMessage() for r in caplog.records)
    if os.name == "posix":
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_a_damaged_data_keys_file_is_a_clear_error(clean_environment: Path) -> None:
    data_dir = clean_environment / "taskflow-data"
    data_dir.mkdir()
    (data_dir / GENERATED_DATA_KEYS_FILE).write_text('{"data_keys": ["short"]}', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="is damaged"):
        Settings().data_keyring()
