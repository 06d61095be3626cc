"""Storage benchmark (not a test): taskflow on PostgreSQL against raw psycopg.

A team holding 100,000 tasks among 1,000,000, in its own schema (``bench_storage``,
dropped and rebuilt by taskflow's migrations, then bulk-loaded server-side with
``INSERT ... SELECT generate_series``). Operations:

- create a task;
- list a page of 50 filtered by status (``todo``): the first page, and a page 30,000 rows
  deep reached by the cursor;
- complete a task.

"raw psycopg" runs the SAME SQL statements, with the same parameters, in the same
transactions, on plain psycopg connections: the statements taskflow sent for an
operation are recorded once (engine event) and replayed, with new ids for inserted rows
and another task for ``complete``. Writes run in a transaction (committed), reads in
autocommit, as taskflow's read-only units do on PostgreSQL. The difference is therefore
what taskflow adds: validation, permission logic in Python, SQLAlchemy statement
compilation and result processing, building domain objects.

    .venv/bin/python bench/storage.py [--iterations 300] [--url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# bench/ holds http.py, which would shadow the standard library's http for a script run
# from here: take this directory off the import path before importing anything else.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from taskflow import TaskFlow  # noqa: E402
from taskflow.adapters.memory import RecordingEventPublisher  # noqa: E402
from taskflow.adapters.sqlalchemy import SqlStorage, tables  # noqa: E402
from taskflow.clock import SystemClock  # noqa: E402
from taskflow.testing import FAST_PASSWORD_HASHING, TEST_AUTH_CONFIG  # noqa: E402

SCHEMA = "bench_storage"
TEAM_TASKS = 100_000
ALL_TASKS = 1_000_000
OTHER_TEAMS = 900
DEEP = 30_000

Statement = tuple[str, Any, bool]  # SQL, parameters, executemany


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "TASKFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    parser.add_argument(
        "--direct-lane",
        choices=("on", "off"),
        default=os.environ.get("TASKFLOW_SQL_DIRECT_LANE", "on"),
        help="off: every statement through Connection.execute (TASKFLOW_SQL_DIRECT_LANE)",
    )
    return parser.parse_args()


def load(url: sa.URL, *, direct_lane: bool = True) -> tuple[SqlStorage, uuid.UUID, uuid.UUID]:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        connection.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    admin.dispose()
    scoped = url.update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    storage = SqlStorage.from_urls(
        scoped.render_as_string(hide_password=False), direct_lane=direct_lane
    )
    storage.upgrade()
    tf = make_taskflow(storage)
    owner = tf.auth.signup(email="owner@example.com", password="correct horse battery", name="O")  # noqa: S106
    team = tf.teams.create(owner.user.id, name="Big team")
    started = time.perf_counter()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with storage.databases.task.begin() as connection:
        for index in tables.tasks.indexes:  # build the indexes once, after the load
            index.drop(connection)
        connection.execute(
            sa.text(
                """
                INSERT INTO tasks (id, team_id, title, status, priority, assignee_id,
                                   created_by, created_at, updated_at, version)
                SELECT gen_random_uuid(),
                       CASE WHEN g % 10 = 0 THEN :team
                            ELSE ('00000000-0000-4000-8000-' ||
                                  lpad(to_hex(g % :others), 12, '0'))::uuid END,
                       'Task ' || g,
                       (ARRAY['todo', 'in_progress', 'done'])[1 + (g / 10) % 3],
                       (ARRAY['low', 'medium', 'high'])[1 + g % 3],
                       CASE WHEN g % 10 = 0 THEN :owner END,
                       :owner,
                       :start + g * interval '1 second',
                       :start + g * interval '1 second',
                       1
                FROM generate_series(1, :total) AS g
                """
            ),
            {
                "team": team.id,
                "owner": owner.user.id,
                "others": OTHER_TEAMS,
                "start": start,
                "total": ALL_TASKS,
            },
        )
        for index in tables.tasks.indexes:
            index.create(connection)
    # VACUUM (outside a transaction) right after the bulk load: otherwise autovacuum may
    # start on the million new rows in the middle of the measurements and take CPU from
    # both sides at random.
    with storage.databases.task.execution_options(isolation_level="AUTOCOMMIT").connect() as c:
        c.exec_driver_sql("VACUUM (ANALYZE) tasks")
        c.exec_driver_sql("ANALYZE")
    print(
        f"loaded {ALL_TASKS:,} tasks ({TEAM_TASKS:,} in the team) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return storage, team.id, owner.user.id


def make_taskflow(storage: SqlStorage) -> TaskFlow:
    publisher = RecordingEventPublisher()
    return TaskFlow.from_adapters(
        uow_factory=type(storage.uow_factory)(storage.databases, publisher),
        token_store=storage.token_store,
        clock=SystemClock(),
        publisher=publisher,
        auth_config=TEST_AUTH_CONFIG,
        password_hashing=FAST_PASSWORD_HASHING,
    )


class Recorder:
    """Records the statements an engine sends, with their parameters."""

    def __init__(self, engine: sa.Engine) -> None:
        self.statements: list[Statement] = []
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        self.statements.append((sql, params, many))

    def take(self, run: Callable[[], Any]) -> list[Statement]:
        self.statements = []
        run()
        taken, self.statements = self.statements, []
        return taken


def remap(value: Any, mapping: dict[uuid.UUID, uuid.UUID]) -> Any:
    if isinstance(value, uuid.UUID):
        return mapping.get(value, value)
    if isinstance(value, dict):
        return {k: remap(v, mapping) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(remap(v, mapping) for v in value)
    return value


def inserted_ids(statements: list[Statement]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for sql, params, _many in statements:
        if sql.lstrip().upper().startswith("INSERT"):
            rows = params if isinstance(params, list) else [params]
            for row in rows:
                found |= {
                    v for k, v in row.items() if k.startswith("id") and isinstance(v, uuid.UUID)
                }
    return found


def replay(
    connection: psycopg.Connection[Any],
    statements: list[Statement],
    mapping: dict[uuid.UUID, uuid.UUID],
    *,
    commit: bool,
) -> None:
    with connection.cursor() as cursor:
        for sql, params, many in statements:
            if many:
                cursor.executemany(sql, remap(params, mapping))
            else:
                cursor.execute(sql, remap(params, mapping))
                if cursor.description is not None:
                    cursor.fetchall()
    if commit:
        connection.commit()
    elif not connection.autocommit:
        connection.rollback()


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def breakdown(  # noqa: PLR0917 - a script's helper
    tf: TaskFlow,
    storage: SqlStorage,
    raw: psycopg.Connection[Any],
    owner_id: uuid.UUID,
    team_id: uuid.UUID,
    statements: list[Statement],
    iterations: int,
) -> None:
    """Where the time of the first-page list goes, layer by layer (medians, ms)."""
    from taskflow.adapters.sqlalchemy import keyset  # noqa: PLC0415
    from taskflow.adapters.sqlalchemy.repositories import auth, teams  # noqa: PLC0415
    from taskflow.domain.models import TaskStatus  # noqa: PLC0415
    from taskflow.domain.queries import TaskQuery  # noqa: PLC0415

    query = TaskQuery((team_id,), statuses=(TaskStatus.TODO,), limit=50)
    engine = storage.databases.reader_for(tables.TASK)  # as a read-only unit: autocommit

    def raw_psycopg() -> None:
        replay(raw, statements, {}, commit=False)

    def sqlalchemy_core() -> None:
        with engine.connect() as connection:
            membership = {"team_id": team_id, "user_id": owner_id}
            connection.execute(teams._TEAM_WITH_MEMBERSHIP.statement, membership).all()
            connection.execute(keyset.task_list_statement(query)).all()
            users = auth._USERS_BY_ID_ARRAY.statement
            connection.execute(users, {"user_ids": [owner_id]}).all()

    def adapter() -> None:
        with storage.uow_factory(read_only=True) as uow:
            uow.teams.get_with_membership(team_id, owner_id)
            uow.tasks.list(query)
            uow.users.get_many([owner_id])

    def service() -> None:
        tf.tasks.list_team(owner_id, team_id, status="todo", limit=50)

    layers = {
        "raw psycopg, the same statements": raw_psycopg,
        "SQLAlchemy Core, the same statements": sqlalchemy_core,
        "taskflow's unit of work and repositories": adapter,
        "the whole service call": service,
    }
    samples: dict[str, list[float]] = {name: [] for name in layers}
    for _ in range(iterations):
        for name, run in layers.items():
            started = time.perf_counter()
            run()
            samples[name].append(time.perf_counter() - started)
    print("\nfirst-page list, layer by layer (median ms):")
    for name, values in samples.items():
        print(f"  {name:<44}{statistics.median(values) * 1000:>8.3f}")


def main() -> int:
    args = parse_args()
    url = sa.make_url(args.url)
    storage, team_id, owner_id = load(url, direct_lane=args.direct_lane == "on")
    tf = make_taskflow(storage)
    recorder = Recorder(storage.databases.task)
    raw_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    raw = psycopg.connect(raw_url, options=f"-csearch_path={SCHEMA}")
    # Reads in autocommit, as taskflow's read-only units on PostgreSQL.
    raw_reader = psycopg.connect(raw_url, options=f"-csearch_path={SCHEMA}", autocommit=True)

    first = tf.tasks.list_team(owner_id, team_id, status="todo", limit=50)
    # Walk the cursor 600 pages down: the cursor of the page starting 30,000 rows deep.
    deep_cursor = first.next_cursor
    for _ in range(DEEP // 50 - 1):
        assert deep_cursor is not None
        deep_cursor = tf.tasks.list_team(
            owner_id, team_id, status="todo", limit=50, cursor=deep_cursor
        ).next_cursor
    deep = tf.tasks.list_team(owner_id, team_id, status="todo", limit=50, cursor=deep_cursor)
    assert len(first.items) == len(deep.items) == 50

    total = args.warmup + args.iterations
    to_complete = [
        tf.tasks.create(
            owner_id, team_id, title=f"to complete {i}", status="in_progress", assignee_id=owner_id
        ).id
        for i in range(2 * total + 1)
    ]
    template_task = to_complete.pop()

    operations: dict[
        str,
        tuple[
            Callable[[int], Any], list[Statement], Callable[[int], dict[uuid.UUID, uuid.UUID]], bool
        ],
    ] = {}

    create_statements = recorder.take(
        lambda: tf.tasks.create(owner_id, team_id, title="Bench", assignee_id=owner_id)
    )
    create_ids = inserted_ids(create_statements)
    operations["create a task"] = (
        lambda _i: tf.tasks.create(owner_id, team_id, title="Bench", assignee_id=owner_id),
        create_statements,
        lambda _i: {old: uuid.uuid4() for old in create_ids},
        True,
    )
    first_statements = recorder.take(
        lambda: tf.tasks.list_team(owner_id, team_id, status="todo", limit=50)
    )
    operations["list 50 by status, first page"] = (
        lambda _i: tf.tasks.list_team(owner_id, team_id, status="todo", limit=50),
        first_statements,
        lambda _i: {},
        False,
    )
    deep_statements = recorder.take(
        lambda: tf.tasks.list_team(owner_id, team_id, status="todo", limit=50, cursor=deep_cursor)
    )
    operations[f"list 50 by status, {DEEP:,} rows deep"] = (
        lambda _i: tf.tasks.list_team(
            owner_id, team_id, status="todo", limit=50, cursor=deep_cursor
        ),
        deep_statements,
        lambda _i: {},
        False,
    )
    complete_statements = recorder.take(lambda: tf.tasks.complete(owner_id, template_task))
    complete_ids = inserted_ids(complete_statements)
    operations["complete a task"] = (
        lambda i: tf.tasks.complete(owner_id, to_complete[2 * i]),
        complete_statements,
        lambda i: (
            {template_task: to_complete[2 * i + 1]} | {old: uuid.uuid4() for old in complete_ids}
        ),
        True,
    )

    print(f"\n{args.iterations} iterations after {args.warmup} warm-up, interleaved; ms")
    print(
        f"{'operation':<36}{'taskflow med':>13}{'p95':>8}{'raw med':>10}{'p95':>8}{'ratio':>8}"
        f"{'stmts':>7}"
    )
    results: dict[str, float] = {}
    for name, (run, statements, mapping, commit) in operations.items():
        ours: list[float] = []
        theirs: list[float] = []
        for i in range(total):
            started = time.perf_counter()
            run(i)
            middle = time.perf_counter()
            replay(raw if commit else raw_reader, statements, mapping(i), commit=commit)
            ended = time.perf_counter()
            if i >= args.warmup:
                ours.append(middle - started)
                theirs.append(ended - middle)
        our_median, our_p95 = summary(ours)
        raw_median, raw_p95 = summary(theirs)
        results[name] = our_median
        print(
            f"{name:<36}{our_median:>13.3f}{our_p95:>8.3f}{raw_median:>10.3f}{raw_p95:>8.3f}"
            f"{our_median / raw_median:>7.2f}x{len(statements):>7}"
        )
    names = list(results)
    print(
        f"\ndeep page / first page (taskflow medians): {results[names[2]] / results[names[1]]:.2f}"
    )
    breakdown(tf, storage, raw_reader, owner_id, team_id, first_statements, args.iterations)
    raw.close()
    raw_reader.close()
    if not args.keep:
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {SCHEMA} CASCADE")
        admin.dispose()
    storage.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
