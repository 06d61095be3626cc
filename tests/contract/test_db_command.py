"""``taskflow db upgrade`` and ``taskflow db current`` on the configured database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from taskflow.adapters.sqlalchemy.migrate import head_revision, schema_differences
from taskflow.entrypoints import cli

pytestmark = pytest.mark.sqlite


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    for name in ("AUTH_DATABASE_URL", "TASK_DATABASE_URL", "DATABASE_REPLICA_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TASKFLOW_DATA_DIR", str(tmp_path / "data"))
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_current_reports_an_empty_database_then_upgrade_brings_it_to_head(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    head = head_revision()
    assert cli.main(["db", "current"]) == 0
    assert (
        capsys.readouterr().out
        == f"database: empty (no taskflow tables) (behind: head is {head})\n"
    )
    assert cli.main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == f"database: at {head} (sqlite)\n"
    assert cli.main(["db", "current"]) == 0
    assert capsys.readouterr().out == f"database: {head} (up to date)\n"
    assert cli.main(["db", "upgrade"]) == 0  # again: nothing to do, no error
    engine = sa.create_engine(database_url)
    try:
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_upgrade_migrates_both_databases_when_they_are_separate(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AUTH_DATABASE_URL", database_url)
    monkeypatch.setenv("TASK_DATABASE_URL", f"sqlite:///{tmp_path / 'tasks.db'}")
    assert cli.main(["db", "upgrade"]) == 0
    head = head_revision()
    assert capsys.readouterr().out == (
        f"auth database: at {head} (sqlite)\ntask database: at {head} (sqlite)\n"
    )


def test_an_unreachable_server_is_one_line_and_status_1(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app:hunter2@127.0.0.1:1/app")
    assert cli.main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "taskflow: error: Cannot reach the database server at 127.0.0.1:1: is it running, "
        "and are the host and port in the database URL right? Nothing was migrated.\n"
    )
    assert "hunter2" not in err


def test_the_in_memory_storage_has_nothing_to_migrate(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    assert cli.main(["db", "current"]) == 1
    assert "memory://" in capsys.readouterr().err
