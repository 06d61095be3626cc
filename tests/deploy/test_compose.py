"""deploy/compose.yaml: valid against the Compose specification's schema (check-jsonschema's
vendored copy), and its services run real taskflow commands with env files whose example
holds valid taskflow settings."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploykit import DEPLOY, ROOT, documents, parse_taskflow_command, require_tool

from taskflow.settings import Settings, env_name

COMPOSE = DEPLOY / "compose.yaml"
TASKFLOW_SERVICES = ("migrate", "api", "worker")


def check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    tool = require_tool("check-jsonschema", "pip install check-jsonschema (the dev group)")
    return subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def compose() -> dict[str, Any]:
    (doc,) = documents(COMPOSE)  # the YAML merge keys (<<) resolved
    return doc


def test_the_compose_file_is_valid() -> None:
    result = check_compose(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_refuses_a_spoilt_compose_file(tmp_path: Path) -> None:
    spoilt = compose()
    spoilt["services"]["api"]["depends_on"]["redis"]["condition"] = "when_it_feels_like_it"
    spoilt["services"]["worker"]["restart"] = 3
    path = tmp_path / "compose.yaml"
    path.write_text(yaml.safe_dump(spoilt), encoding="utf-8")
    result = check_compose(path)
    assert result.returncode != 0
    assert "condition" in result.stdout + result.stderr


def test_the_seeds_topology() -> None:
    services = compose()["services"]
    assert set(services) >= {"auth-db", "task-db", "redis", "migrate", "api", "worker", "nginx"}
    assert services["auth-db"]["environment"]["POSTGRES_DB"] == "auth_db"
    assert services["task-db"]["environment"]["POSTGRES_DB"] == "task_db"
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["nginx"]["depends_on"]["api"] == {"condition": "service_healthy"}
    conf = COMPOSE.parent / services["nginx"]["volumes"][0].split(":")[0]
    assert conf.is_file()
    assert "proxy_pass http://taskflow_api;" in conf.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", TASKFLOW_SERVICES)
def test_each_taskflow_service_runs_a_real_command_built_from_the_dockerfile(name: str) -> None:
    service = compose()["services"][name]
    assert (ROOT / service["build"]["dockerfile"]).is_file()
    assert service["read_only"] is True
    args = parse_taskflow_command(service["command"])
    if name == "api":
        assert (args.no_worker, args.skip_migrations) == (True, True)
        assert service["environment"]["HEALTHCHECK_URL"].endswith(f":{args.port}/health")
    if name == "worker":
        assert service["environment"]["HEALTHCHECK_URL"].endswith(f":{args.metrics_port}/metrics")


def env_files() -> list[tuple[str, Path]]:
    services = compose()["services"]
    return [
        (name, COMPOSE.parent / file)
        for name, service in services.items()
        for file in service.get("env_file", [])
    ]


def test_every_env_file_has_an_example_and_no_real_one_is_committed() -> None:
    assert env_files()
    for _name, path in env_files():
        assert path.name.endswith(".env")
        assert path.with_name(path.name + ".example").is_file(), path
    ignored = subprocess.run(
        [require_tool("git", "apt-get install git"), "check-ignore", "-q", "deploy/env/api.env"],
        cwd=ROOT,
        check=False,
    )
    assert ignored.returncode == 0, "deploy/env/*.env must be ignored by git"


@pytest.mark.parametrize("name", TASKFLOW_SERVICES)
def test_the_env_file_examples_are_valid_settings(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The example of each taskflow service's env file, read as taskflow reads it: every
    name is a setting and every value passes (the secrets are placeholders of the
    right length)."""
    for field in Settings.model_fields:
        monkeypatch.delenv(env_name(field), raising=False)
    monkeypatch.chdir(tmp_path)
    for service, path in env_files():
        if service == name:
            example = path.with_name(path.name + ".example")
            settings = Settings(_env_file=example)
            assert settings.auth_database_url is not None
            assert settings.task_database_url is not None
            assert settings.redis_url is not None
            assert settings.data_keys is not None
            settings.auth_config()  # the token secrets pass their checks
