# ruff: noqa: E402 - the imports follow the sys.path fix below, on purpose
"""HTTP benchmark (not a test): taskflow's servers against their peers, and the floor.

One script run prints the whole table, for each endpoint, the median of ``--runs`` runs
(five by default) in which the servers run one after the other, alternating their order:

- ``GET /teams/{id}/tasks`` (a page of 50) and ``POST /teams/{id}/tasks``: taskflow's
  FastAPI server against the hand-rolled peer (``bench/peers/tasks_app.py``: FastAPI,
  SQLAlchemy 2 async ORM on asyncpg, PyJWT, a pool of taskflow's default size), on the
  same rows of the same PostgreSQL database;
- ``GET /auth/me`` against fastapi-users 15 ``GET /users/me``;
- the same endpoints on taskflow's Flask server (waitress; no peer);
- the physical floor: the same JSON from a bare Starlette endpoint (HTTP and nothing
  else), and the statements taskflow runs for the request replayed on raw psycopg
  (5 connections, the pool's size; no HTTP);
- each server's resident memory (VmRSS) after its run.

Every HTTP line is measured with two load generators: the asyncio keep-alive client in
this process, and wrk (``apt-get install wrk``; ``wrk -t2``), with ``--connections``
connections each. Every server is ONE process at log level WARNING (taskflow with
TASKFLOW_LOG_LEVEL=WARNING, the peers with ``--log-level warning --no-access-log``); on
PostgreSQL on this machine, over loopback; nothing is pinned to a CPU unless
``--server-cpu``/``--client-cpu`` say so.

The peers live in their own virtual environment, never in taskflow's dependencies; the
script creates it when it is missing::

    python3 -m venv /tmp/fastapi-users-bench
    /tmp/fastapi-users-bench/bin/pip install 'fastapi-users[sqlalchemy]==15.0.5' asyncpg uvicorn
    .venv/bin/python bench/http.py --runs 5 --duration 8

Both venvs run the same server stack, chosen with ``--stack``: ``asyncio-h11`` (the
default; uvicorn's pure-Python parts) or ``uvloop-httptools`` (which need ``pip install
uvloop httptools`` in BOTH venvs at the same versions). The benchmark prints both venvs'
versions and refuses to run when they differ, and checks in ``/proc/<pid>/maps`` that each
server process loaded the chosen loop and parser.

The PostgreSQL server is reached as ``--pg`` (default ``postgresql://postgres@127.0.0.1:5432``);
the databases ``taskflow_bench`` and ``fastapi_users_bench`` are dropped and re-created.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named http.py (as asked); run as a script, its folder comes first on
# sys.path and would hide the standard library's `http` package from urllib.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TASKFLOW_DB = "taskflow_bench"
PEER_DB = "fastapi_users_bench"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a benchmark account


# --- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recreate_database(pg: str, name: str) -> None:
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


WORKDIR = Path(tempfile.mkdtemp(prefix="taskflow-bench-"))
"""The servers' working directory (not bench/, whose http.py would shadow the stdlib)."""


STACKS = {"asyncio-h11": ("asyncio", "h11"), "uvloop-httptools": ("uvloop", "httptools")}
STACK_PACKAGES = ("uvicorn", "fastapi", "starlette", "pydantic", "PyJWT", "uvloop", "httptools")


def package_versions(python: str) -> dict[str, str]:
    """The versions of the server stack's packages in the venv of ``python``."""
    script = (
        "import json, importlib.metadata as m\n"
        "def v(name):\n"
        "    try:\n"
        "        return m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        return '-'\n"
        f"print(json.dumps({{name: v(name) for name in {list(STACK_PACKAGES)!r}}}))"
    )
    output = subprocess.run([python, "-c", script], capture_output=True, check=True, text=True)  # noqa: S603
    versions: dict[str, str] = json.loads(output.stdout)
    return versions


def check_same_stack(stack: str, ours: dict[str, str], peer: dict[str, str]) -> None:
    print("server stack:", stack)
    for name in STACK_PACKAGES:
        print(f"  {name:<10} taskflow {ours[name]:<10} fastapi-users {peer[name]}")
    needed = {"uvicorn", "fastapi", "starlette", *STACKS[stack]} - {"asyncio", "h11"}
    differ = sorted(name for name in needed if ours[name] != peer[name] or ours[name] == "-")
    if differ:
        raise SystemExit(f"the two venvs differ (or miss) {', '.join(differ)}: not comparable")


def check_loaded_stack(pid: int, stack: str) -> None:
    """The server process really runs the chosen loop and parser: uvloop's and
    httptools' extension modules are mapped into it exactly when they were chosen."""
    maps = Path(f"/proc/{pid}/maps")
    if not maps.exists():
        return  # not Linux: the explicit --loop/--http options have to do
    text = maps.read_text()
    loop, http = STACKS[stack]
    for module, chosen in (("uvloop", loop == "uvloop"), ("httptools", http == "httptools")):
        if (f"/{module}/" in text) != chosen:
            state = "missing from" if chosen else "loaded in"
            raise SystemExit(f"{module} is {state} server {pid}: not the {stack} stack")


@contextmanager
def server(
    command: list[str], env: dict[str, str], port: int, cpu: int | None, stack: str | None
) -> Iterator[subprocess.Popen[bytes]]:
    log = open(WORKDIR / f"server-{port}.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, env=env, cwd=WORKDIR, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        if cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(process.pid, {cpu})
        wait_until_up(port, process)
        if stack is not None:
            check_loaded_stack(process.pid, stack)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited; see {WORKDIR}/server-{port}.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not start; see {WORKDIR}/server-{port}.log")


def call(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    form: dict[str, str] | None = None,
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if form is not None:
        data = "&".join(f"{k}={v}" for k, v in form.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


# --- the load generator -----------------------------------------------------------------


def raw_request(method: str, path: str, token: str, body: bytes = b"") -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {token}",
        f"Content-Length: {len(body)}",
    ]
    if body:
        lines.append("Content-Type: application/json")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def connection_loop(
    port: int, request: bytes, until: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = int(head[9:12])
            if status >= 300:
                errors.append(status)
    finally:
        writer.close()


async def load(port: int, request: bytes, connections: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[int] = []
    until = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(
        *(connection_loop(port, request, until, latencies, errors) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} non-2xx answers (first: {errors[0]})")
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "requests": float(len(ordered)),
    }


# --- wrk --------------------------------------------------------------------------------

_WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_P99 = re.compile(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(
    port: int, request: tuple[str, str, bytes], token: str, args: argparse.Namespace
) -> dict[str, float]:
    method, path, body = request
    lines = [
        f'wrk.method = "{method}"',
        f'wrk.headers["Authorization"] = "Bearer {token}"',
    ]
    if body:
        lines += [
            f"wrk.body = {json.dumps(body.decode())}",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    script = WORKDIR / f"wrk-{uuid.uuid4().hex}.lua"
    script.write_text("\n".join(lines) + "\n")
    command = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{args.duration:g}s",
        "--latency",
        "--timeout",
        "30s",  # wrk's default (2 s) counts the slow answers of a loaded machine as errors
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw errors on {method} {path}:\n{output}")
    rps, p99 = _WRK_RPS.search(output), _WRK_P99.search(output)
    if rps is None or p99 is None:
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    return {"rps": float(rps[1]), "p99_ms": float(p99[1]) * _UNITS_MS[p99[2]]}


# --- what is measured -------------------------------------------------------------------

ENDPOINTS = {
    "list": "GET /teams/{id}/tasks (50)",
    "create": "POST /teams/{id}/tasks",
    "me": "GET /auth/me",
}
SERVERS = {
    "taskflow": "taskflow FastAPI",
    "peer": "peer",
    "flask": "taskflow Flask (waitress)",
    "starlette": "floor: bare Starlette",
    "psycopg": "floor: raw psycopg, same statements",
}
PEER_NAMES = {"list": "hand-rolled FastAPI+SQLAlchemy", "create": "hand-rolled FastAPI+SQLAlchemy"}
PEER_NAMES["me"] = "fastapi-users GET /users/me"
CREATE_BODY = json.dumps({"title": "A new task", "priority": "high"}).encode()

Results = dict[tuple[str, str, str], list[dict[str, float]]]
"""(endpoint, server, client) -> one measurement per run."""


@contextmanager
def nothing() -> Iterator[None]:
    yield


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.results: Results = {}
        self.memory: dict[str, list[float]] = {}
        self.taskflow_url = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        self.taskflow_url += f"/{TASKFLOW_DB}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.taskflow_url,
            "JWT_SECRET": "benchmark-jwt-secret-that-is-long-enough-0123",
            "REFRESH_SECRET": "benchmark-refresh-secret-long-enough-456789",
            "TASKFLOW_RATE_LIMIT": "100000000/minute",
            "TASKFLOW_AUTH_RATE_LIMIT": "100000000/minute",
            "TASKFLOW_LOG_LEVEL": "WARNING",
            "TASKFLOW_ACCESS_TOKEN_TTL": "3h",  # one token for the whole script run
            "TASKFLOW_DATA_DIR": str(WORKDIR / "taskflow-data"),
            # The tree this script belongs to, whichever checkout the venv was installed from.
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])
            ),
        }
        self.token = ""
        self.team_id = ""
        self.bodies: dict[str, bytes] = {}
        self.statements: dict[str, list[Step]] = {}

    # --- requests

    def requests(self, server: str) -> dict[str, tuple[str, str, bytes]]:
        tasks = f"/teams/{self.team_id}/tasks"
        everything = {
            "list": ("GET", f"{tasks}?limit=50", b""),
            "create": ("POST", tasks, CREATE_BODY),
            "me": ("GET", "/auth/me", b""),
        }
        if server == "peer":
            return {"list": everything["list"], "create": everything["create"]}
        if server == "fastapi-users":
            return {"me": ("GET", "/users/me", b"")}
        return everything

    def measure(self, server: str, port: int, token: str, process: Any) -> None:
        args = self.args
        for endpoint, (method, path, body) in self.requests(server).items():
            answer = call(port, method, path, json.loads(body) if body else None, token=token)
            if endpoint == "list" and len(answer["items"]) != 50:  # the same page on every side
                raise SystemExit(f"{server} answered {len(answer['items'])} tasks, not 50")
            raw = raw_request(method, path, token, body)
            asyncio.run(load(port, raw, args.connections, args.warmup))  # warm pools, caches
            key = "peer" if server == "fastapi-users" else server
            measured = {"client": asyncio.run(load(port, raw, args.connections, args.duration))}
            if not args.no_wrk:
                measured["wrk"] = run_wrk(port, (method, path, body), token, args)
            line = f"  {server:<14} {ENDPOINTS[endpoint]:<28}"
            for client, result in measured.items():
                self.results.setdefault((endpoint, key, client), []).append(result)
                line += f"  {client} {result['rps']:>6.0f} req/s (p99 {result['p99_ms']:6.1f} ms)"
            print(line, flush=True)
        rss = resident_mb(process.pid)
        self.memory.setdefault(server, []).append(rss)
        print(f"  {server:<14} resident memory after the run: {rss:.0f} MB", flush=True)

    # --- the servers

    def taskflow_command(self, port: int, app: str) -> list[str]:
        command = [str(ROOT / ".venv" / "bin" / "taskflow"), "serve", "--port", str(port)]
        command += ["--no-worker", "--app", app]
        if app == "fastapi":
            command += ["--loop", STACKS[self.args.stack][0], "--http", STACKS[self.args.stack][1]]
        return command

    def setup(self) -> None:
        """Fresh databases, the account, the team and 60 tasks; the bodies the Starlette
        floor answers; the statements the psycopg floor replays."""
        args = self.args
        recreate_database(args.pg, TASKFLOW_DB)
        recreate_database(args.pg, PEER_DB)
        port = free_port()
        with server(self.taskflow_command(port, "fastapi"), self.env, port, None, args.stack):
            signed_up = call(
                port,
                "POST",
                "/auth/signup",
                {"email": "bench@example.com", "password": PASSWORD, "name": "Bench"},
            )
            self.token = signed_up["token"]
            self.team_id = call(port, "POST", "/teams", {"name": "Bench"}, token=self.token)["id"]
            for number in range(60):
                path = f"/teams/{self.team_id}/tasks"
                call(port, "POST", path, {"title": f"Task {number}"}, token=self.token)
            for endpoint, (method, path, body) in self.requests("taskflow").items():
                sent = json.loads(body) if body else None
                self.bodies[endpoint] = json.dumps(
                    call(port, method, path, sent, token=self.token), separators=(",", ":")
                ).encode()
        self.statements = record_statements(self.env, self.token, self.team_id)
        for endpoint, steps in self.statements.items():
            count = sum(1 for step in steps if step is not COMMIT)
            print(f"  psycopg floor: {ENDPOINTS[endpoint]} replays {count} statements")
        (WORKDIR / "floor_bodies.json").write_text(
            json.dumps({k: v.decode() for k, v in self.bodies.items()})
        )
        (WORKDIR / "floor_app.py").write_text(FLOOR_APP)
        shutil.copy(HERE / "peers" / "tasks_app.py", WORKDIR / "tasks_app.py")
        shutil.copy(HERE / "fastapi_users_app.py", WORKDIR / "fastapi_users_app.py")

    def run_taskflow(self, app: str) -> None:
        port = free_port()
        stack = self.args.stack if app == "fastapi" else None
        command = self.taskflow_command(port, app)
        with server(command, self.env, port, self.args.server_cpu, stack) as process:
            self.measure("taskflow" if app == "fastapi" else "flask", port, self.token, process)

    def uvicorn(self, python: str, module: str, port: int) -> list[str]:
        loop, http = STACKS[self.args.stack]
        command = [python, "-m", "uvicorn", module, "--port", str(port), "--no-access-log"]
        return [*command, "--log-level", "warning", "--loop", loop, "--http", http]

    def run_peer(self) -> None:
        port = free_port()
        python = str(Path(self.args.peer_venv) / "bin" / "python")
        url = self.args.pg.replace("postgresql://", "postgresql+asyncpg://", 1)
        env = {
            **os.environ,
            "PEER_DATABASE_URL": f"{url}/{TASKFLOW_DB}",
            "PEER_JWT_SECRET": self.env["JWT_SECRET"],
        }
        command = self.uvicorn(python, "tasks_app:app", port)
        with server(command, env, port, self.args.server_cpu, self.args.stack) as process:
            self.measure("peer", port, self.token, process)

    def run_fastapi_users(self, first: bool) -> None:
        port = free_port()
        python = str(Path(self.args.peer_venv) / "bin" / "python")
        url = self.args.pg.replace("postgresql://", "postgresql+asyncpg://", 1)
        env = {**os.environ, "FASTAPI_USERS_DATABASE_URL": f"{url}/{PEER_DB}"}
        command = self.uvicorn(python, "fastapi_users_app:app", port)
        with server(command, env, port, self.args.server_cpu, self.args.stack) as process:
            if first:
                account = {"email": "bench@example.com", "password": PASSWORD}
                call(port, "POST", "/auth/register", account)
            login = call(
                port,
                "POST",
                "/auth/jwt/login",
                form={"username": "bench@example.com", "password": PASSWORD},
            )
            self.measure("fastapi-users", port, login["access_token"], process)

    def run_starlette(self) -> None:
        port = free_port()
        env = {**os.environ, "FLOOR_BODIES": str(WORKDIR / "floor_bodies.json")}
        python = str(ROOT / ".venv" / "bin" / "python")
        command = self.uvicorn(python, "floor_app:app", port)
        with server(command, env, port, self.args.server_cpu, self.args.stack) as process:
            self.measure("starlette", port, self.token, process)

    def run_psycopg(self) -> None:
        conninfo = f"{self.args.pg}/{TASKFLOW_DB}"
        for endpoint, steps in self.statements.items():
            asyncio.run(replay_load(conninfo, steps, 5, self.args.warmup))
            result = asyncio.run(replay_load(conninfo, steps, 5, self.args.duration))
            self.results.setdefault((endpoint, "psycopg", "client"), []).append(result)
            print(
                f"  {'psycopg':<14} {ENDPOINTS[endpoint]:<28}  5 connections "
                f"{result['rps']:>6.0f} req/s (p99 {result['p99_ms']:6.1f} ms)",
                flush=True,
            )


def analyze(pg: str) -> None:
    """Fresh planner statistics: each POST line adds thousands of tasks to the team, and
    with the statistics of the nearly empty table PostgreSQL answered a page of 50 by
    sorting the whole team (a bitmap scan and a sort of 9,530 rows, 14 ms) instead of
    reading 51 rows of the index (0.1 ms), for whichever server came next."""
    with psycopg.connect(f"{pg}/{TASKFLOW_DB}", autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- the floors -------------------------------------------------------------------------

FLOOR_APP = '''"""The HTTP floor: the same JSON bodies, from bare Starlette endpoints."""
import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODIES = {k: v.encode() for k, v in json.load(open(os.environ["FLOOR_BODIES"])).items()}


async def tasks(request: Request) -> Response:
    if request.method == "POST":
        await request.body()
        return Response(BODIES["create"], 201, media_type="application/json")
    return Response(BODIES["list"], media_type="application/json")


async def me(request: Request) -> Response:
    return Response(BODIES["me"], media_type="application/json")


app = Starlette(
    routes=[
        Route("/teams/{team_id}/tasks", tasks, methods=["GET", "POST"]),
        Route("/auth/me", me),
    ]
)
'''

COMMIT = object()
"""A step of a replay: commit the transaction of the statements before it."""
Step = Any  # (sql, parameters, executemany, autocommit) or COMMIT


def record_statements(env: dict[str, str], token: str, team_id: str) -> dict[str, list[Step]]:
    """The statements the FastAPI server's hop to the service threads runs for each
    endpoint (its own functions, called in this process on the same database), with
    their transactions: what the psycopg floor replays."""
    os.environ.update({k: v for k, v in env.items() if k.startswith(("TASKFLOW_", "DATABASE"))})
    os.environ.update({k: env[k] for k in ("JWT_SECRET", "REFRESH_SECRET")})
    sys.path.insert(0, str(ROOT / "src"))  # the tree the servers run (Bench.env)
    from taskflow import TaskFlow  # noqa: PLC0415
    from taskflow.adapters.fastapi.routers import auth  # noqa: PLC0415
    from taskflow.adapters.web.schemas import TaskCreateIn, TaskListQuery  # noqa: PLC0415

    steps: list[Step] = []

    def before(conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        autocommit = bool(conn.connection.dbapi_connection.autocommit)
        steps.append((sql, params, many, autocommit))

    def committed(conn: Any) -> None:
        if not conn.connection.dbapi_connection.autocommit:
            steps.append(COMMIT)

    tf = TaskFlow.from_settings()
    team = uuid.UUID(team_id)
    query, body = TaskListQuery(limit=50), TaskCreateIn.model_validate_json(CREATE_BODY)

    def list_team() -> object:
        user_id = tf.auth.validate_token(token).user_id  # the endpoint's hop does these two
        return tf.tasks.list_team(user_id, team, **query.filters())

    def create() -> object:
        user_id = tf.auth.validate_token(token).user_id
        return tf.tasks.create(user_id, team, **body.model_dump())

    calls: dict[str, Callable[[], object]] = {
        "list": list_team,
        "create": create,
        "me": lambda: auth._me(tf, token),  # the endpoint's hop itself
    }
    recorded: dict[str, list[Step]] = {}
    try:
        for endpoint, run in calls.items():
            for _ in range(3):
                run()  # warm: the first calls may read what later ones do not
            sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
            sa.event.listen(sa.engine.Engine, "commit", committed)
            try:
                steps.clear()
                run()
                recorded[endpoint] = list(steps)
            finally:
                sa.event.remove(sa.engine.Engine, "before_cursor_execute", before)
                sa.event.remove(sa.engine.Engine, "commit", committed)
    finally:
        tf.close()
    return recorded


def _inserted_ids(steps: list[Step]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for step in steps:
        if step is COMMIT or not step[0].lstrip().upper().startswith("INSERT"):
            continue
        rows = step[1] if step[2] else [step[1]]
        for row in rows:
            values = row.values() if isinstance(row, dict) else row
            found |= {v for v in values if isinstance(v, uuid.UUID)}
    return found


def _remap(value: Any, mapping: dict[uuid.UUID, uuid.UUID]) -> Any:
    if isinstance(value, uuid.UUID):
        return mapping.get(value, value)
    if isinstance(value, dict):
        return {k: _remap(v, mapping) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_remap(v, mapping) for v in value)
    return value


async def replay_load(
    conninfo: str, steps: list[Step], connections: int, seconds: float
) -> dict[str, float]:
    """Replay ``steps`` on ``connections`` raw psycopg connections for ``seconds``
    (new ids for the inserted rows each time)."""
    inserted = _inserted_ids(steps)
    latencies: list[float] = []
    until = time.perf_counter() + seconds

    async def loop() -> None:
        connection = await psycopg.AsyncConnection.connect(conninfo)
        try:
            while time.perf_counter() < until:
                started = time.perf_counter()
                mapping = {old: uuid.uuid4() for old in inserted}
                async with connection.cursor() as cursor:
                    for step in steps:
                        if step is COMMIT:
                            await connection.commit()
                            continue
                        sql, params, many, autocommit = step
                        if connection.autocommit != autocommit:
                            await connection.set_autocommit(autocommit)
                        if many:
                            await cursor.executemany(sql, _remap(params, mapping))
                        else:
                            await cursor.execute(sql, _remap(params, mapping))
                            if cursor.description is not None:
                                await cursor.fetchall()
                latencies.append(time.perf_counter() - started)
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / elapsed,
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000,
    }


# --- set-up and report ------------------------------------------------------------------


def ensure_peer_venv(path: str) -> None:
    python = Path(path) / "bin" / "python"
    if python.exists():
        return
    print(f"creating the peers' venv {path} (fastapi-users 15.0.5, asyncpg, uvicorn)")
    subprocess.run([sys.executable, "-m", "venv", path], check=True)  # noqa: S603
    packages = ["fastapi-users[sqlalchemy]==15.0.5", "asyncpg", "uvicorn"]
    subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)  # noqa: S603


def median_of(runs: list[dict[str, float]], field: str) -> float:
    return statistics.median(run[field] for run in runs)


def report(bench: Bench) -> None:
    results, clients = bench.results, ["client"] + ([] if bench.args.no_wrk else ["wrk"])
    runs = bench.args.runs
    print(f"\n=== medians of {runs} runs (req/s, p99 in brackets) ===")
    for endpoint, title in ENDPOINTS.items():
        print(f"\n{title}")
        header = "".join(f"{client:>26}" for client in clients)
        print(f"  {'server':<40}{header}")
        for server, name in SERVERS.items():
            label = PEER_NAMES[endpoint] if server == "peer" else name
            cells = ""
            for client in clients:
                runs_ = results.get((endpoint, server, client))
                if not runs_:
                    cells += f"{'-':>26}"
                    continue
                rps, p99 = median_of(runs_, "rps"), median_of(runs_, "p99_ms")
                cells += f"{rps:>13.0f} ({p99:>6.1f} ms)".rjust(26)
            print(f"  {label:<40}{cells}")
        for client in clients:
            ours = results.get((endpoint, "taskflow", client), [])
            for other, what in (("peer", "the peer"), ("starlette", "the Starlette floor")):
                theirs = results.get((endpoint, other, client), [])
                if ours and theirs:
                    ratios = [a["rps"] / b["rps"] for a, b in zip(ours, theirs, strict=True)]
                    each = " ".join(f"{r:.2f}" for r in ratios)
                    print(
                        f"  taskflow vs {what} ({client}): median {statistics.median(ratios):.2f}x"
                        f"  [runs: {each}]"
                    )
            floor = results.get((endpoint, "psycopg", "client"), [])
            if ours and floor and client == "client":
                ratios = [a["rps"] / b["rps"] for a, b in zip(ours, floor, strict=True)]
                print(
                    f"  taskflow vs the psycopg floor: median {statistics.median(ratios):.2f}x"
                    " of its req/s"
                )
    print("\nresident memory after each run (MB, median):")
    for server, values in bench.memory.items():
        print(f"  {server:<16}{statistics.median(values):>8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--peer-venv", default="/tmp/fastapi-users-bench")  # noqa: S108
    parser.add_argument("--runs", type=int, default=5, help="runs; the table gives medians")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up first")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--no-wrk", action="store_true", help="only this script's client")
    parser.add_argument(
        "--stack", choices=sorted(STACKS), default="asyncio-h11", help="every server's stack"
    )
    parser.add_argument("--server-cpu", type=int, default=None, help="pin the servers to it")
    parser.add_argument("--client-cpu", type=int, default=None, help="pin this client to it")
    args = parser.parse_args()
    if args.client_cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.client_cpu})
    if not args.no_wrk and shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk (or --no-wrk)")
    ensure_peer_venv(args.peer_venv)
    check_same_stack(
        args.stack,
        package_versions(str(ROOT / ".venv" / "bin" / "python")),
        package_versions(str(Path(args.peer_venv) / "bin" / "python")),
    )
    print(
        f"{args.connections} connections, {args.warmup:g} s warm-up then {args.duration:g} s "
        f"per line, {args.runs} runs, one server process at a time, loopback, "
        f"load average {os.getloadavg()[0]:.1f} at the start\n"
    )
    bench = Bench(args)
    bench.setup()
    order: list[Callable[[int], None]] = [
        lambda _run: bench.run_taskflow("fastapi"),
        lambda _run: bench.run_peer(),
        lambda run: bench.run_fastapi_users(first=run == 0),
        lambda _run: bench.run_taskflow("flask"),
        lambda _run: bench.run_starlette(),
        lambda _run: bench.run_psycopg(),
    ]
    for run in range(args.runs):
        print(
            f"\nrun {run + 1} of {args.runs} ({time.strftime('%H:%M:%S')} UTC, load average "
            f"{os.getloadavg()[0]:.1f})",
            flush=True,
        )
        # Alternate the order: every server goes first every other run.
        steps = order if run % 2 == 0 else order[::-1]
        for step in steps:
            analyze(args.pg)  # before each server: the one before may have added tasks
            step(run)
    report(bench)
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    sys.exit(0)


if __name__ == "__main__":
    main()
