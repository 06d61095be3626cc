"""What the deployment tests share: the files under deploy/, their YAML, and the tools
that check them (kubernetes-validate, check-jsonschema, hadolint, promtool).

A missing tool skips its test with the reason, or FAILS it with
``TASKFLOW_REQUIRE_SERVICES=1`` (CI: .ci/run installs every one of them)."""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from taskflow.entrypoints.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"


def _missing(reason: str) -> None:
    if os.environ.get("TASKFLOW_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def require_tool(name: str, install: str) -> str:
    """The path of the command ``name`` (beside this Python first: a venv's scripts)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=path)
    if found is None:
        _missing(f"{name} is not installed: {install}")
        raise AssertionError("unreachable")  # pragma: no cover - skip or fail raised
    return found


def require_module(name: str, install: str) -> None:
    if importlib.util.find_spec(name) is None:
        _missing(f"the Python module {name} is not installed: {install}")


def documents(path: Path) -> list[dict[str, Any]]:
    """The YAML documents of a file (empty ones left out)."""
    with path.open(encoding="utf-8") as file:
        return [doc for doc in yaml.safe_load_all(file) if doc]


def k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, doc) for path in sorted(K8S.glob("*.yaml")) for doc in documents(path)]


def parse_taskflow_command(arguments: list[str]) -> Any:
    """``arguments`` (after ``taskflow``) parsed by taskflow's own command line: a flag
    that no longer exists fails here, not in production."""
    parser = build_parser(arguments[0])
    try:
        return parser.parse_args(arguments)
    except SystemExit:
        pytest.fail(f"taskflow refuses its arguments: {shlex.join(arguments)}")
