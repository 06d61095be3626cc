"""Login timing (not a test): does a wrong password take as long for an address with an
account as for one without? (Issue 12, point 8: 61 ms vs 49 ms told which addresses
have accounts.)

50 wrong-password logins for a known address and 50 for an unknown one, alternating, with
the production password hashing (argon2id, OWASP's parameters), on PostgreSQL (or
``--database-url``), through ``tf.auth.login`` as a server calls it. The lockout threshold
is raised for the run so that every attempt checks a password (a locked attempt, known or
unknown, is refused unchecked on both paths alike). Prints both medians and their ratio.

    PYTHONPATH=src .venv/bin/python bench/login_timing.py [--attempts 50]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

# bench/ holds http.py, which would shadow the standard library's http for a script run
# from here: take this directory off the import path before importing anything else.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import attrs  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from taskflow import AccountLocked, InvalidCredentials, TaskFlow  # noqa: E402
from taskflow.adapters.memory import RecordingEventPublisher  # noqa: E402
from taskflow.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory, SqlStorage  # noqa: E402
from taskflow.testing import TEST_AUTH_CONFIG  # noqa: E402

SCHEMA = "bench_login_timing"
RIGHT = "the right password 1"
WRONG = "a wrong password"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=50)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    args = parser.parse_args()

    admin = sa.create_engine(args.database_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    url = f"{args.database_url}?options=-csearch_path%3D{SCHEMA}"
    storage = SqlStorage.from_urls(url)
    try:
        storage.upgrade()
        publisher = RecordingEventPublisher()
        tf = TaskFlow.from_adapters(
            uow_factory=SqlAlchemyUnitOfWorkFactory(storage.databases, publisher),
            token_store=storage.token_store,
            publisher=publisher,
            auth_config=attrs.evolve(TEST_AUTH_CONFIG, lockout_threshold=10 * args.attempts),
        )  # the default password hashing: argon2id with OWASP's parameters
        tf.auth.signup(email="known@example.com", password=RIGHT, name="K")
        with contextlib.suppress(InvalidCredentials):
            tf.auth.login(email="nobody@example.com", password=WRONG)  # makes the dummy hash
        known, unknown = [], []
        for _ in range(args.attempts):
            for times, email in ((known, "known@example.com"), (unknown, "nobody@example.com")):
                started = time.perf_counter()
                with contextlib.suppress(InvalidCredentials, AccountLocked):
                    tf.auth.login(email=email, password=WRONG)
                times.append((time.perf_counter() - started) * 1000)
        known_median, unknown_median = statistics.median(known), statistics.median(unknown)
        print(f"{args.attempts} wrong-password logins each, alternating; ms")
        print(f"  known address     median {known_median:7.2f}")
        print(f"  unknown address   median {unknown_median:7.2f}")
        print(f"  known / unknown   {known_median / unknown_median:.3f} (target: within 10 %)")
    finally:
        storage.close()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
