"""Shared fixtures. ``tf`` is a whole TaskFlow on the backend under test; the service
tests use only it (and ``clock`` / ``events``), so the same tests run on every backend.

Backends: ``memory``, ``sqlite`` (a file in a temporary directory), ``postgres`` and
``mariadb`` (the servers named by ``TASKFLOW_TEST_POSTGRES_URL`` /
``TASKFLOW_TEST_MARIADB_URL``). Pick them with markers: ``pytest -m sqlite``,
``pytest -m "not postgres and not mariadb"``...

Which tests run on every backend: the service tests in ``tests/unit`` ARE the contract
suite, so a test there that uses ``tf`` runs once per backend. Elsewhere (web, messaging,
CLI...) ``tf`` is the in-memory one: those tests are about their own layer, and running
them four times would only cost time. ``tests/contract`` holds one contract suite per port
(fixture ``storage``: every backend, memory included) and the SQL adapter's own tests
(fixture ``sql_storage``, SQL backends only).

Shared services of the contract suites: ``redis_client`` / ``redis_prefix`` (a real Redis,
``TASKFLOW_TEST_REDIS_URL``, one key prefix per test), ``rabbitmq_url`` /
``rabbitmq_prefix`` (a real RabbitMQ, ``TASKFLOW_TEST_RABBITMQ_URL``, one queue name
prefix per test) and ``smtp_server`` (aiosmtpd on a free loopback port).

Each run gets its own PostgreSQL schema / MariaDB database (``tf_<pid>_<random>``),
created ONCE per session by the migrations (``alembic upgrade head``: this also proves
that the migrations build the schema from empty on each backend) and dropped at the end.
A run killed before its teardown leaves its own behind: on a server on this machine,
the next run drops those whose process is gone.
Rows are deleted between tests. A server that cannot be reached skips its tests with
the reason, unless ``TASKFLOW_REQUIRE_SERVICES=1`` (CI), where it fails them. These
``TASKFLOW_TEST_*`` and ``TASKFLOW_REQUIRE_SERVICES`` variables are not settings:
``taskflow.setting_names`` declares them, so ``Settings()`` does not refuse them as it
refuses any other unknown ``TASKFLOW_*`` variable (add a new one there).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import attrs
import pytest

from ports_under_test import StorageUnderTest
from smtp_server import SmtpServer, free_port
from taskflow import TaskFlow
from taskflow.adapters.memory import (
    InMemoryStore,
    InMemoryTokenStore,
    InMemoryUnitOfWorkFactory,
    RecordingEventPublisher,
)
from taskflow.testing import (
    FAST_PASSWORD_HASHING,
    TEST_AUTH_CONFIG,
    FakeClock,
    RecordingMailer,
    make_test_taskflow,
)

BACKENDS = ("memory", "sqlite", "postgres", "mariadb")
SQL_BACKENDS = ("sqlite", "postgres", "mariadb")
CONTRACT_DIRS = ("unit",)  # directories under tests/ whose `tf` runs on every backend

POSTGRES_URL = os.environ.get(
    "TASKFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get(
    "TASKFLOW_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
)


def _sql_direct_lane() -> bool:
    """``TASKFLOW_SQL_DIRECT_LANE``, read as the settings read it (``on``/``off``)."""
    from taskflow.settings import Settings  # noqa: PLC0415

    return Settings(_env_file=None).sql_direct_lane == "on"


SQL_DIRECT_LANE = _sql_direct_lane()
"""Whether the ``SqlStorage`` the fixtures build runs the direct lane: CI runs the SQL
contract suite once more with ``TASKFLOW_SQL_DIRECT_LANE=off`` (.ci/run)."""
RUN_NAME = f"tf_{os.getpid()}_{secrets.token_hex(3)}"
"""This run's PostgreSQL schema and MariaDB database (so parallel runs never collide)."""


def _backend_param(name: str) -> Any:
    return pytest.param(name, marks=getattr(pytest.mark, name), id=name)


def _selected_backends() -> tuple[str, ...]:
    """``TASKFLOW_TEST_BACKENDS=memory,sqlite`` narrows the matrix (default: all four)."""
    wanted = os.environ.get("TASKFLOW_TEST_BACKENDS")
    if not wanted:
        return BACKENDS
    return tuple(b for b in BACKENDS if b in {w.strip() for w in wanted.split(",")})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "tf" in metafunc.fixturenames:
        path = Path(str(metafunc.definition.path)).resolve()
        tests_dir = Path(__file__).parent.resolve()
        relative = path.relative_to(tests_dir).parts if path.is_relative_to(tests_dir) else ()
        if relative and relative[0] in CONTRACT_DIRS:
            metafunc.parametrize(
                "tf", [_backend_param(b) for b in _selected_backends()], indirect=True
            )
    if "storage" in metafunc.fixturenames:
        backends = _selected_backends()
        metafunc.parametrize("storage", [_backend_param(b) for b in backends], indirect=True)
    if "token_store" in metafunc.fixturenames:
        stores = [*_selected_backends(), "redis"]  # redis: the denylist in Redis
        metafunc.parametrize("token_store", [_backend_param(s) for s in stores], indirect=True)
    if "sql_storage" in metafunc.fixturenames:
        backends = [b for b in _selected_backends() if b in SQL_BACKENDS]
        metafunc.parametrize("sql_storage", [_backend_param(b) for b in backends], indirect=True)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def events() -> RecordingEventPublisher:
    return RecordingEventPublisher()


@pytest.fixture
def mailer() -> RecordingMailer:
    """The mailer of ``tf``: keeps every mail ``tf.notifications.deliver_due`` sends."""
    return RecordingMailer()


# --- SQL backends: one migrated database per backend per run ---------------------------


def _unreachable(backend: str, error: BaseException) -> None:
    reason = f"{backend} server unreachable: {type(error).__name__}: {error}".splitlines()[0]
    if os.environ.get("TASKFLOW_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


_RUN_NAME_PATTERN = re.compile(r"tf_(\d+)_[0-9a-f]{6}")
_LOOPBACK_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}


def _left_by_a_dead_run(name: str) -> bool:
    """A ``tf_<pid>_<hex>`` schema/database of a run whose process is gone (killed
    before its teardown dropped it). Only called for a server on this machine, where
    the pid says whether that run still lives."""
    match = _RUN_NAME_PATTERN.fullmatch(name)
    if match is None or name == RUN_NAME:
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):  # alive under another user / not a pid
        return False
    return False


def _drop_runs_left_behind(admin: Any, url: str, *, list_sql: str, drop_sql: str) -> None:
    import sqlalchemy as sa  # noqa: PLC0415

    if sa.make_url(url).host not in _LOOPBACK_HOSTS:
        return  # a shared server: its runs' pids mean nothing here
    with admin.connect() as connection:
        names = [row[0] for row in connection.exec_driver_sql(list_sql)]
        for name in filter(_left_by_a_dead_run, names):
            with contextlib.suppress(sa.exc.DBAPIError):  # another run dropped it first
                connection.exec_driver_sql(drop_sql.format(name=name))


@pytest.fixture(scope="session")
def sqlite_engine_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'taskflow.sqlite3'}"


@pytest.fixture(scope="session")
def postgres_engine_url() -> Iterator[str]:
    """A URL whose connections use this run's own schema (``search_path``)."""
    import sqlalchemy as sa  # noqa: PLC0415

    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        _drop_runs_left_behind(
            admin,
            POSTGRES_URL,
            list_sql="SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tf\\_%%'",
            drop_sql="DROP SCHEMA IF EXISTS {name} CASCADE",
        )
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {RUN_NAME}")
    except sa.exc.OperationalError as error:
        admin.dispose()
        _unreachable("postgres", error)
    # synchronous_commit=off: a test database need not wait for the disk at each commit.
    options = f"-csearch_path={RUN_NAME} -csynchronous_commit=off"
    url = sa.make_url(POSTGRES_URL).update_query_dict({"options": options})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {RUN_NAME} CASCADE")
    admin.dispose()


@pytest.fixture(scope="session")
def mariadb_engine_url() -> Iterator[str]:
    """A URL of this run's own database."""
    import sqlalchemy as sa  # noqa: PLC0415

    admin = sa.create_engine(MARIADB_URL, isolation_level="AUTOCOMMIT")
    try:
        _drop_runs_left_behind(
            admin,
            MARIADB_URL,
            list_sql="SHOW DATABASES LIKE 'tf\\_%%'",
            drop_sql="DROP DATABASE IF EXISTS {name}",
        )
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f"CREATE DATABASE {RUN_NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            )
    except sa.exc.OperationalError as error:
        admin.dispose()
        _unreachable("mariadb", error)
    url = sa.make_url(MARIADB_URL).set(database=RUN_NAME)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE {RUN_NAME}")
    admin.dispose()


@pytest.fixture(scope="session")
def _migrated_storages() -> Iterator[dict[str, Any]]:
    """(backend name, direct lane on) -> ``SqlStorage`` whose database was upgraded to
    head, made on first use and closed at the end of the session."""
    made: dict[tuple[str, bool], Any] = {}
    yield made
    for storage in made.values():
        storage.close()


def _storage_for(request: pytest.FixtureRequest, backend: str) -> Any:
    """The session's migrated ``SqlStorage`` of ``backend``, emptied. Its engines run the
    direct lane unless ``TASKFLOW_SQL_DIRECT_LANE=off``; a test marked ``direct_lane``
    (about the lane itself) gets one that runs it in any case."""
    from taskflow.adapters.sqlalchemy import SqlStorage  # noqa: PLC0415

    direct_lane = SQL_DIRECT_LANE or request.node.get_closest_marker("direct_lane") is not None
    made: dict[tuple[str, bool], Any] = request.getfixturevalue("_migrated_storages")
    key = (backend, direct_lane)
    if key not in made:
        url: str = request.getfixturevalue(f"{backend}_engine_url")
        storage = SqlStorage.from_urls(url, direct_lane=direct_lane)
        storage.upgrade()
        made[key] = storage
    storage = made[key]
    _delete_all_rows(storage)
    return storage


def _delete_all_rows(storage: Any) -> None:
    from taskflow.adapters.sqlalchemy.tables import metadata  # noqa: PLC0415

    for engine in storage.databases.engines():
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture(scope="session")
def sql_direct_lane() -> bool:
    """Whether ``TASKFLOW_SQL_DIRECT_LANE`` leaves the direct lane on: pass it to a
    ``SqlStorage.from_urls`` a test makes itself."""
    return SQL_DIRECT_LANE


@pytest.fixture
def sql_storage(request: pytest.FixtureRequest) -> Any:
    """A ``SqlStorage`` on an empty, migrated database of the backend under test."""
    return _storage_for(request, request.param)


@pytest.fixture
def postgres_storage(request: pytest.FixtureRequest) -> Any:
    """A ``SqlStorage`` on this run's empty, migrated PostgreSQL schema (mark the test
    ``@pytest.mark.postgres``)."""
    return _storage_for(request, "postgres")


@pytest.fixture
def mariadb_storage(request: pytest.FixtureRequest) -> Any:
    """A ``SqlStorage`` on this run's empty, migrated MariaDB database (mark the test
    ``@pytest.mark.mariadb``)."""
    return _storage_for(request, "mariadb")


@pytest.fixture
def tf(
    request: pytest.FixtureRequest,
    clock: FakeClock,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
) -> TaskFlow:
    backend = getattr(request, "param", "memory")
    if backend == "memory":
        return make_test_taskflow(clock=clock, publisher=events, mailer=mailer)
    from taskflow.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory  # noqa: PLC0415

    storage = _storage_for(request, backend)
    return TaskFlow.from_adapters(
        uow_factory=SqlAlchemyUnitOfWorkFactory(storage.databases, events),
        token_store=storage.token_store,
        clock=clock,
        publisher=events,
        auth_config=TEST_AUTH_CONFIG,
        password_hashing=FAST_PASSWORD_HASHING,
        mailer=mailer,
    )


# --- the storage ports, on every backend (the contract suites) -------------------------


@pytest.fixture
def storage(request: pytest.FixtureRequest, events: RecordingEventPublisher) -> StorageUnderTest:
    """Empty storage of the backend under test: memory, SQLite, PostgreSQL or MariaDB."""
    return _storage_under_test(request, request.param, events)


def _storage_under_test(
    request: pytest.FixtureRequest, backend: str, events: RecordingEventPublisher
) -> StorageUnderTest:
    if backend == "memory":
        return StorageUnderTest(
            backend, InMemoryUnitOfWorkFactory(InMemoryStore(), events), InMemoryTokenStore()
        )
    from taskflow.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory  # noqa: PLC0415

    sql = _storage_for(request, backend)
    factory = SqlAlchemyUnitOfWorkFactory(sql.databases, events)
    return StorageUnderTest(backend, factory, sql.token_store, sql)


@pytest.fixture
def token_store(
    request: pytest.FixtureRequest, events: RecordingEventPublisher, clock: FakeClock
) -> StorageUnderTest:
    """A storage whose ``token_store`` is the one under test: memory, SQL on each backend,
    or (``redis``) the Redis denylist wrapping the in-memory sessions; its users go
    through ``uow_factory`` (sessions refer to users on SQL)."""
    if request.param != "redis":
        return _storage_under_test(request, request.param, events)
    from taskflow.adapters.redis import RedisDenylistTokenStore  # noqa: PLC0415

    sessions = _storage_under_test(request, "memory", events)
    client = request.getfixturevalue("redis_client")
    prefix = request.getfixturevalue("redis_prefix")
    denylist = RedisDenylistTokenStore(sessions.token_store, client, prefix=prefix, clock=clock)
    return attrs.evolve(sessions, backend="redis", token_store=denylist)


# --- Redis and SMTP servers ------------------------------------------------------------

REDIS_URL = os.environ.get("TASKFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_client() -> Iterator[Any]:
    """A client of the shared Redis. Unreachable: the test is skipped with the reason, or
    fails with ``TASKFLOW_REQUIRE_SERVICES=1`` (CI)."""
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        _unreachable("redis", error)
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client: Any) -> Iterator[str]:
    """A key prefix no other test uses; every key under it is deleted afterwards."""
    prefix = f"taskflow-test:{uuid4().hex}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*", count=500))
    if keys:
        redis_client.delete(*keys)


RABBITMQ_URL = os.environ.get("TASKFLOW_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture
def rabbitmq_url() -> str:
    """The URL of the shared RabbitMQ, once it answered. Unreachable: the test is skipped
    with the reason, or fails with ``TASKFLOW_REQUIRE_SERVICES=1`` (CI)."""
    import pika  # noqa: PLC0415
    import pika.exceptions  # noqa: PLC0415

    parameters = pika.URLParameters(RABBITMQ_URL)
    parameters.connection_attempts = 1
    parameters.socket_timeout = 2
    try:
        pika.BlockingConnection(parameters).close()
    except (pika.exceptions.AMQPError, OSError) as error:
        _unreachable("rabbitmq", error)
    return RABBITMQ_URL


@pytest.fixture
def rabbitmq_prefix() -> str:
    """A queue name prefix no other test uses (the test deletes its queues)."""
    return f"taskflow-test.{uuid4().hex}"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()
