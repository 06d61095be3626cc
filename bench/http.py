# ruff: noqa: E402 - the imports follow the sys.path fix below, on purpose
"""HTTP benchmark (not a test): taskflow's FastAPI server against fastapi-users 15.

Both servers run as ONE uvicorn worker process (same uvicorn, FastAPI and Starlette
versions), on PostgreSQL on this machine, over loopback, with request logging off (taskflow
at TASKFLOW_LOG_LEVEL=WARNING, fastapi-users with no access log). The load generator is an
asyncio keep-alive HTTP/1.1 client in this process, pinned to another CPU than the server.
We measure requests per second and latency percentiles for:

- ``GET /auth/me``            vs fastapi-users ``GET /users/me`` (JWT + the user's row);
- ``GET /teams/{id}/tasks``   (a page of 50 tasks, no peer equivalent);
- ``POST /teams/{id}/tasks``  (create a task, no peer equivalent).

fastapi-users lives in its own virtual environment, never in taskflow's dependencies::

    python3 -m venv /tmp/fastapi-users-bench
    /tmp/fastapi-users-bench/bin/pip install 'fastapi-users[sqlalchemy]==15.0.5' asyncpg uvicorn
    .venv/bin/python bench/http.py --duration 10 --connections 32

Both servers run the same server stack, chosen with ``--stack``: ``asyncio-h11`` (the
default; uvicorn's pure-Python parts) or ``uvloop-httptools`` (``uvicorn[standard]``'s
event loop and HTTP parser, which need ``pip install uvloop httptools`` in BOTH venvs at
the same versions). Each server is started with the stack named explicitly (uvicorn's
``auto`` would pick uvloop wherever it is installed), the benchmark prints both venvs'
versions and refuses to run when they differ, and it checks in ``/proc/<pid>/maps`` that
each server process loaded the chosen loop and parser (and not the others).

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
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

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
    command: list[str], env: dict[str, str], port: int, cpu: int | None, stack: str
) -> Iterator[None]:
    log = open(WORKDIR / f"server-{port}.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, env=env, cwd=WORKDIR, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        if cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(process.pid, {cpu})
        wait_until_up(port, process)
        check_loaded_stack(process.pid, stack)
        yield
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


def measure(
    name: str, port: int, make_request: Callable[[], bytes], args: argparse.Namespace
) -> dict[str, float]:
    request = make_request()
    asyncio.run(load(port, request, args.connections, args.warmup))  # warm caches and pools
    result = asyncio.run(load(port, request, args.connections, args.duration))
    print(
        f"{name:<42} {result['rps']:>9.0f} req/s   p50 {result['p50_ms']:>7.2f} ms"
        f"   p99 {result['p99_ms']:>7.2f} ms"
    )
    return result


# --- the two runs -----------------------------------------------------------------------


def bench_taskflow(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    if args.taskflow_memory:
        database_url = "memory://"
    else:
        recreate_database(args.pg, TASKFLOW_DB)
        url = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        database_url = f"{url}/{TASKFLOW_DB}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET": "benchmark-jwt-secret-that-is-long-enough-0123",
        "REFRESH_SECRET": "benchmark-refresh-secret-long-enough-456789",
        "TASKFLOW_RATE_LIMIT": "100000000/minute",
        "TASKFLOW_AUTH_RATE_LIMIT": "100000000/minute",
        "TASKFLOW_LOG_LEVEL": "WARNING",
        "TASKFLOW_DATA_DIR": str(WORKDIR / "taskflow-data"),
    }
    command = [
        str(ROOT / ".venv" / "bin" / "taskflow"),
        "serve",
        "--port",
        str(port),
        "--no-worker",
        "--loop",
        STACKS[args.stack][0],
        "--http",
        STACKS[args.stack][1],
    ]
    with server(command, env, port, args.server_cpu, args.stack):
        signed_up = call(
            port,
            "POST",
            "/auth/signup",
            {"email": "bench@example.com", "password": PASSWORD, "name": "Bench"},
        )
        token = signed_up["token"]
        team = call(port, "POST", "/teams", {"name": "Bench"}, token=token)
        for number in range(60):
            call(
                port, "POST", f"/teams/{team['id']}/tasks", {"title": f"Task {number}"}, token=token
            )
        body = json.dumps({"title": "A new task", "priority": "high"}).encode()
        return {
            "me": measure(
                "taskflow   GET /auth/me", port, lambda: raw_request("GET", "/auth/me", token), args
            ),
            "list": measure(
                "taskflow   GET /teams/{id}/tasks (50)",
                port,
                lambda: raw_request("GET", f"/teams/{team['id']}/tasks?limit=50", token),
                args,
            ),
            "create": measure(
                "taskflow   POST /teams/{id}/tasks",
                port,
                lambda: raw_request("POST", f"/teams/{team['id']}/tasks", token, body),
                args,
            ),
        }


def bench_fastapi_users(args: argparse.Namespace) -> dict[str, float]:
    recreate_database(args.pg, PEER_DB)
    port = free_port()
    url = args.pg.replace("postgresql://", "postgresql+asyncpg://", 1)
    env = {**os.environ, "FASTAPI_USERS_DATABASE_URL": f"{url}/{PEER_DB}"}
    python = str(Path(args.peer_venv) / "bin" / "python")
    shutil.copy(HERE / "fastapi_users_app.py", WORKDIR / "fastapi_users_app.py")
    command = [
        python,
        "-m",
        "uvicorn",
        "fastapi_users_app:app",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--loop",
        STACKS[args.stack][0],
        "--http",
        STACKS[args.stack][1],
    ]
    with server(command, env, port, args.server_cpu, args.stack):
        call(port, "POST", "/auth/register", {"email": "bench@example.com", "password": PASSWORD})
        login = call(
            port,
            "POST",
            "/auth/jwt/login",
            form={"username": "bench@example.com", "password": PASSWORD},
        )
        token = login["access_token"]
        return measure(
            "fastapi-users GET /users/me",
            port,
            lambda: raw_request("GET", "/users/me", token),
            args,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--peer-venv", default="/tmp/fastapi-users-bench")  # noqa: S108
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up first")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--taskflow-memory",
        action="store_true",
        help="run taskflow on the in-memory adapters: the cost of the web layer alone",
    )
    parser.add_argument(
        "--stack", choices=sorted(STACKS), default="asyncio-h11", help="both servers' stack"
    )
    parser.add_argument("--server-cpu", type=int, default=0, help="CPU the server is pinned to")
    parser.add_argument("--client-cpu", type=int, default=1, help="CPU this load generator uses")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and args.client_cpu is not None:
        os.sched_setaffinity(0, {args.client_cpu})

    check_same_stack(
        args.stack,
        package_versions(str(ROOT / ".venv" / "bin" / "python")),
        package_versions(str(Path(args.peer_venv) / "bin" / "python")),
    )
    print(
        f"{args.connections} connections, {args.duration:.0f} s each, "
        "one server process, loopback\n"
    )
    peer = bench_fastapi_users(args)
    ours = bench_taskflow(args)
    ratio = ours["me"]["rps"] / peer["rps"]
    print(
        f"\nGET /auth/me vs fastapi-users GET /users/me: {ratio:.2f}x the requests per second, "
        f"p99 {ours['me']['p99_ms']:.2f} ms vs {peer['p99_ms']:.2f} ms (target: >= 2x)"
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
