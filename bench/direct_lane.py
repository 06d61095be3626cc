"""Per-statement cost on PostgreSQL (not a test): the direct lane against the public-API
paths that could replace it.

One SELECT by primary key (a user by id, the shape of the lane's hot reads), inside an
open transaction, run N times per round by each path, the paths interleaved over 15
rounds (drift hits all alike); printed: the median microseconds per statement.

- the lane: ``DirectStatement.execute`` on an engine with the lane on;
- ``Connection.execute``: the same ``DirectStatement`` on an engine with the lane off;
- ``Connection.exec_driver_sql`` with the SQL compiled once (public API, no compilation
  or cache lookup per call, but SQLAlchemy's execution context and cursor result);
- the raw psycopg cursor (the floor);
- two statements in psycopg's pipeline mode against the same two one after the other.

    .venv/bin/python bench/direct_lane.py [--url postgresql+psycopg://...] [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

# bench/ holds http.py, which would shadow the standard library's http for a script run
# from here: take this directory off the import path before importing anything else.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import sqlalchemy as sa  # noqa: E402

from taskflow.adapters.sqlalchemy import SqlStorage, tables  # noqa: E402
from taskflow.adapters.sqlalchemy.direct import DirectStatement  # noqa: E402

SCHEMA = "bench_direct_lane"
USER_BY_ID = DirectStatement(
    sa.select(tables.users).where(tables.users.c.id == sa.bindparam("user_id"))
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "TASKFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--per-round", type=int, default=300)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    url = sa.make_url(args.url)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        connection.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    scoped = url.update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    scoped_url = scoped.render_as_string(hide_password=False)
    lane_on = SqlStorage.from_urls(scoped_url)
    lane_on.upgrade()
    lane_off = SqlStorage.from_urls(scoped_url, direct_lane=False)
    on = lane_on.databases.auth.connect()
    off = lane_off.databases.auth.connect()
    on.begin()
    off.begin()
    user_id = uuid.uuid4()
    parameters = {"user_id": user_id}
    sql = USER_BY_ID.statement.compile(dialect=off.dialect).string
    driver: Any = off.connection.driver_connection

    def raw() -> Any:
        cursor = driver.cursor()
        cursor.execute(sql, parameters)
        rows = cursor.fetchall()
        cursor.close()
        return rows

    def pipelined_pair() -> Any:
        with driver.pipeline():
            first, second = driver.cursor(), driver.cursor()
            first.execute(sql, parameters)
            second.execute(sql, parameters)
            rows = first.fetchall(), second.fetchall()
            first.close()
            second.close()
        return rows

    paths: dict[str, tuple[Callable[[], Any], int]] = {
        "the lane (lane on)": (lambda: USER_BY_ID.execute(on, parameters).first(), 1),
        "Connection.execute (lane off)": (lambda: USER_BY_ID.execute(off, parameters).first(), 1),
        "Connection.exec_driver_sql, SQL compiled once": (
            lambda: off.exec_driver_sql(sql, parameters).first(),
            1,
        ),
        "raw psycopg cursor": (raw, 1),
        "raw psycopg, 2 statements one after the other": (lambda: (raw(), raw()), 2),
        "psycopg pipeline mode, 2 statements": (pipelined_pair, 2),
    }
    for run, _ in paths.values():
        for _ in range(100):
            run()
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(args.rounds):
        for name, (run, statements) in paths.items():
            started = time.perf_counter()
            for _ in range(args.per_round):
                run()
            elapsed = time.perf_counter() - started
            samples[name].append(elapsed / args.per_round / statements * 1e6)
    print(f"median µs per statement over {args.rounds} interleaved rounds:")
    for name, values in samples.items():
        print(f"  {name:<50}{statistics.median(values):8.1f}")
    on.close()
    off.close()
    lane_on.close()
    lane_off.close()
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {SCHEMA} CASCADE")
    admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
