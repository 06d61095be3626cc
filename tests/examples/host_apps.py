"""What the tests of both example host apps share: their Alembic histories beside
taskflow's, and signed session cookies that do not change with the second."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from itsdangerous import TimestampSigner

from taskflow.adapters.sqlalchemy.alembic import exclude_taskflow_tables
from taskflow.entrypoints import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TASKFLOW_TABLES = {"taskflow_users", "taskflow_teams", "taskflow_tasks", "taskflow_alembic_version"}


def host_alembic(folder: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> Config:
    """The host's Alembic, as its README runs it (``alembic upgrade head`` in ``folder``):
    its alembic.ini and env.py, on ``url`` through ``DATABASE_URL``, the variable its
    env.py reads (taskflow reads it too)."""
    monkeypatch.setenv("DATABASE_URL", url)
    config = Config(str(folder / "alembic.ini"))
    config.attributes["configure_logger"] = False  # leave pytest's logging alone
    return config


def upgrade_both(config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From empty: the host's history (``alembic upgrade head``), then taskflow's
    (``taskflow db upgrade``, reading the same ``DATABASE_URL``)."""
    command.upgrade(config, "head")
    monkeypatch.setenv("TASKFLOW_DATA_DIR", str(tmp_path / "taskflow-data"))
    assert cli.main(["db", "upgrade"]) == 0


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def autogenerate_diff(url: str, metadata: sa.MetaData, *, filtered: bool) -> list[object]:
    """What ``alembic revision --autogenerate`` would write for ``metadata`` on ``url``,
    with the host's filter (``filtered``) or without it."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            options = {"include_name": exclude_taskflow_tables()} if filtered else {}
            context = MigrationContext.configure(connection, opts=options)
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def fixed_session_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signed session cookies (Starlette's and Flask's, both itsdangerous) carry the
    second they were signed in: fix it, so that two runs give the same bytes."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: 1_767_225_600)
