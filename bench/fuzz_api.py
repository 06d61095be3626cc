# ruff: noqa: E402 - the imports follow the sys.path fix below, on purpose
"""schemathesis over every operation of both reference servers, with a larger budget than
CI's (tests/http/test_schemathesis.py runs 15 examples per operation): a script, not a test.

Both servers get the same OpenAPI document, the one the FastAPI app produces (both serve
the same REST contract); the FastAPI app is called as an ASGI app and the Flask app as a
WSGI app, in this process, like tests/http does. Each case runs as a fresh user who owns
a team with a task, a comment and a pending invite; every other case has its path
parameters (``team_id``, ``task_id``, ``comment_id``, ``invite_id``, ``user_id``) pointed
at those, so generated queries and bodies reach the code behind the 404 of a random id.

Every 5xx is reported with its operation and a curl command that reproduces it (the
command's host is schemathesis's stand-in for the in-process app: send it to a
``taskflow serve`` instead, with a token of your own for the ``[Filtered]`` one).
``--conformance`` also runs the schema conformance checks of CI's test (status code,
content type, headers, body schema). Exit status 1 on any 5xx (or conformance failure
when asked).

    PYTHONPATH=src .venv/bin/python bench/fuzz_api.py                  # 200 per operation
    PYTHONPATH=src .venv/bin/python bench/fuzz_api.py --max-examples 50 --app flask
    PYTHONPATH=src .venv/bin/python bench/fuzz_api.py --database sqlite --operation /tasks

Storage: the in-memory adapters (``--database memory``, the default, like CI), or a
migrated SQLite file or PostgreSQL schema of the run's own (``--database sqlite|postgres``).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/fuzz_api.py`, this folder would come first on sys.path, and its
# http.py (the HTTP benchmark) would hide the standard library's `http` package.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import argparse
import contextlib
import itertools
import os
import secrets
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from taskflow import TaskFlow
from taskflow.adapters.fastapi import create_app as create_fastapi_app
from taskflow.adapters.flask import create_app as create_flask_app
from taskflow.adapters.web import WebConfig
from taskflow.settings import Settings
from taskflow.testing import make_test_taskflow

PASSWORD = "correct horse battery staple"  # noqa: S105 - accounts of a throw-away store
NO_RATE_LIMITS = WebConfig(rate_limit=None, auth_rate_limit=None)
CONFORMANCE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# --- the application under test ------------------------------------------------------------


@contextmanager
def taskflow_on(database: str, pg: str) -> Iterator[TaskFlow]:
    """A ``TaskFlow`` on ``database``: in memory, or a migrated database of the run's own."""
    if database == "memory":
        yield make_test_taskflow()
        return
    with (
        tempfile.TemporaryDirectory(prefix="taskflow-fuzz-") as tmp,
        sql_url(database, pg, tmp) as url,
    ):
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run(  # our own CLI, as a user runs it
            [sys.executable, "-m", "taskflow", "db", "upgrade"], env=env, check=True, cwd=tmp
        )
        fast_settings = Settings(
            database_url=url,
            jwt_secret=secrets.token_urlsafe(40),
            refresh_secret=secrets.token_urlsafe(40),
            data_dir=Path(tmp) / "data",
            argon2_memory_kib=1024,
            argon2_time_cost=1,
            _env_file=None,
        )
        with TaskFlow.from_settings(fast_settings) as tf:
            yield tf


@contextmanager
def sql_url(database: str, pg: str, tmp: str) -> Iterator[str]:
    if database == "sqlite":
        yield f"sqlite:///{tmp}/fuzz.sqlite3"
        return
    # Named like the test runs' schemas, so a killed run's is dropped by the next test run.
    schema = f"tf_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(pg, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        url = pg.replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(pg, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


_users = itertools.count()


def fresh_world(tf: TaskFlow) -> tuple[dict[str, str], dict[str, str]]:
    """A new user's bearer header, and the ids of what they own: a team, a task with a
    comment, a pending invite. A new user per case: a generated logout, password change or
    "end all sessions" must not leave the following cases unauthenticated."""
    number = next(_users)
    run = os.getpid()
    signed_up = tf.auth.signup(
        email=f"fuzz-{run}-{number}@example.com", password=PASSWORD, name="Fuzz"
    )
    user_id = signed_up.user.id
    team = tf.teams.create(user_id, name="Fuzzers")
    task = tf.tasks.create(user_id, team.id, title="Fuzz me")
    comment = tf.comments.add(user_id, task.id, content="a comment")
    invite = tf.invites.create(
        user_id, team_id=team.id, email=f"invitee-{run}-{number}@example.com"
    )
    ids = {
        "team_id": str(team.id),
        "task_id": str(task.id),
        "comment_id": str(comment.id),
        "invite_id": str(invite.id),
        "user_id": str(user_id),
    }
    return {"Authorization": f"Bearer {signed_up.token}"}, ids


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Finding:
    app: str
    operation: str
    status: int | None
    problem: str
    curl: str


@dataclass
class Tally:
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)


def fuzz_operation(
    operation: Any,
    *,
    app_name: str,
    tf: TaskFlow,
    mode: GenerationMode,
    args: argparse.Namespace,
    tally: Tally,
) -> None:
    serial = itertools.count()
    seen: set[tuple[str, int | None, str]] = set()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=args.max_examples,
        deadline=None,
        derandomize=args.seed is None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run_one(case: Any) -> None:
        headers, ids = fresh_world(tf)
        if next(serial) % 2 == 0:
            for name in case.path_parameters or {}:
                if name in ids:
                    case.path_parameters[name] = ids[name]
        label = f"{app_name} {operation.label}"
        tally.cases[label] += 1
        try:
            response = case.call(headers=headers)
        except Exception as error:  # an app that raises is a finding too
            tally.findings.append(
                Finding(app_name, operation.label, None, repr(error)[:300], curl_of(case, headers))
            )
            return
        tally.statuses[str(response.status_code)] += 1
        if response.status_code >= 500:
            tally.findings.append(
                Finding(
                    app_name,
                    operation.label,
                    response.status_code,
                    response.content[:200].decode(errors="replace"),
                    curl_of(case, headers),
                )
            )
        elif args.conformance:
            try:
                case.validate_response(response, checks=CONFORMANCE_CHECKS, headers=headers)
            except Exception as error:  # schemathesis raises its failure group
                problem = str(error).strip().splitlines()[0][:300]
                if ("conformance", response.status_code, problem) not in seen:
                    seen.add(("conformance", response.status_code, problem))
                    tally.findings.append(
                        Finding(
                            app_name,
                            operation.label,
                            response.status_code,
                            f"conformance: {problem}",
                            curl_of(case, headers),
                        )
                    )

    if args.seed is not None:
        run_one = seed(args.seed)(run_one)
    with contextlib.suppress(Unsatisfiable):  # nothing to generate in this mode (GET /health)
        run_one()


def curl_of(case: Any, headers: dict[str, str]) -> str:
    try:
        return str(case.as_curl_command(headers=headers))
    except Exception as error:  # a reproduction must not hide the finding
        return f"(no curl command: {error!r})"


def build_schema(app_name: str, tf: TaskFlow, document: dict[str, Any]) -> Any:
    """The FastAPI app's OpenAPI document, bound to ``app_name``'s app (called in process)."""
    schema = schemathesis.openapi.from_dict(document)
    if app_name == "fastapi":
        schema.app = create_fastapi_app(tf, NO_RATE_LIMITS)
    else:
        flask_app = create_flask_app(tf, NO_RATE_LIMITS)
        flask_app.testing = False  # the error handlers answer, as in production
        schema.app = flask_app
    return schema


def selected(label: str, wanted: list[str]) -> bool:
    return not wanted or any(part in label for part in wanted)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-examples", type=int, default=200, help="per operation and mode")
    parser.add_argument("--app", choices=("fastapi", "flask", "both"), default="both")
    parser.add_argument("--mode", choices=("positive", "negative", "all"), default="all")
    parser.add_argument("--database", choices=("memory", "sqlite", "postgres"), default="memory")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--operation", action="append", default=[], help="only labels containing this (repeat)"
    )
    parser.add_argument("--conformance", action="store_true", help="also CI's conformance checks")
    parser.add_argument("--seed", type=int, help="random generation (default: derandomized)")
    args = parser.parse_args()

    apps = ["fastapi", "flask"] if args.app == "both" else [args.app]
    modes = GenerationMode.from_choice(args.mode)
    tally = Tally()
    started = time.monotonic()
    with taskflow_on(args.database, args.pg) as tf:
        document = create_fastapi_app(tf, NO_RATE_LIMITS).openapi()
        for app_name in apps:
            schema = build_schema(app_name, tf, document)
            for result in schema.get_all_operations():
                operation = result.ok()
                if not selected(operation.label, args.operation):
                    continue
                for mode in modes:
                    before = len(tally.findings)
                    fuzz_operation(
                        operation, app_name=app_name, tf=tf, mode=mode, args=args, tally=tally
                    )
                    found = len(tally.findings) - before
                    print(
                        f"{app_name:<7} {mode.value:<8} {operation.label:<48} "
                        f"{'ok' if not found else f'{found} finding(s)'}",
                        flush=True,
                    )
    return report(tally, args, time.monotonic() - started)


def report(tally: Tally, args: argparse.Namespace, elapsed: float) -> int:
    server_errors = [f for f in tally.findings if f.status is None or f.status >= 500]
    other = [f for f in tally.findings if f not in server_errors]
    print(
        f"\n{sum(tally.cases.values())} cases over {len(tally.cases)} operations x servers "
        f"({args.max_examples} examples per operation and mode, {args.mode}, "
        f"{args.database}) in {elapsed:.0f} s; answers: {dict(sorted(tally.statuses.items()))}"
    )
    print(f"5xx (or exceptions): {len(server_errors)}")
    by_operation: dict[tuple[str, str], list[Finding]] = {}
    for finding in server_errors:
        by_operation.setdefault((finding.app, finding.operation), []).append(finding)
    for (app_name, operation), findings in sorted(by_operation.items()):
        print(f"\n  {app_name} {operation}: {len(findings)} x {findings[0].status}")
        for finding in findings[:3]:
            print(f"    body: {finding.problem}")
            print(f"    {finding.curl}")
    if args.conformance:
        print(f"\nconformance failures (distinct): {len(other)}")
        for finding in other:
            print(f"  {finding.app} {finding.operation} {finding.status}: {finding.problem}")
            print(f"    {finding.curl}")
    return 1 if server_errors or other else 0


if __name__ == "__main__":
    sys.exit(main())
