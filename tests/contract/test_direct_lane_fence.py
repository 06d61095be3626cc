"""The fence around the direct lane (docs/storage.md): a SQLAlchemy that lacks a name the
lane uses, and an engine with the lane turned off, run every statement through
``Connection.execute``, and the storage keeps working."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa
from sql_helpers import make_taskflow
from sqlalchemy.sql.compiler import SQLCompiler

from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.adapters.sqlalchemy import SqlStorage, tables
from taskflow.adapters.sqlalchemy import direct as direct_module
from taskflow.adapters.sqlalchemy.direct import DirectResult, missing_names
from taskflow.adapters.sqlalchemy.repositories import auth
from taskflow.bootstrap import build_storage
from taskflow.ids import new_id
from taskflow.settings import Settings
from taskflow.testing import FakeClock


def _lane_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == direct_module.__name__ and r.levelno == logging.WARNING
    ]


def _works_through_connection_execute(storage: SqlStorage) -> None:
    """Sign-up, a team, tasks created, changed and listed: every hot statement, and none
    of them on the lane."""
    tf = make_taskflow(storage, FakeClock())
    owner = tf.auth.signup(email="fence@example.com", password="correct horse battery", name="F")
    team = tf.teams.create(owner.user.id, name="Fenced")
    task = tf.tasks.create(owner.user.id, team.id, title="Still works")
    tf.tasks.update(owner.user.id, task.id, expected_version=task.version, title="Renamed")
    assert [t.title for t in tf.tasks.list_team(owner.user.id, team.id).items] == ["Renamed"]
    with storage.uow_factory(read_only=True) as uow:
        connection = uow.connection(tables.AUTH)
        result = auth._statements(tables.DEFAULT).user_by_id.execute(
            connection, {"user_id": owner.user.id}
        )
        assert not isinstance(result, DirectResult)
        assert result.first().email == "fence@example.com"


def _new_storage(tmp_path: Path, **options: bool) -> SqlStorage:
    storage = SqlStorage.from_urls(f"sqlite:///{tmp_path / 'fence.sqlite3'}", **options)
    storage.upgrade()
    return storage


def test_this_sqlalchemy_has_every_name_the_lane_uses(sql_storage: SqlStorage) -> None:
    for engine in sql_storage.databases.engines():
        with engine.connect() as connection:
            assert missing_names(connection) == []


def test_a_missing_private_method_sends_every_statement_through_connection_execute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delattr(sa.engine.Connection, "_handle_dbapi_exception")
    storage = _new_storage(tmp_path)
    try:
        _works_through_connection_execute(storage)
    finally:
        storage.close()
    [warning] = _lane_warnings(caplog)  # one line, for the dialect's first use
    assert "Connection._handle_dbapi_exception" in warning
    assert "Connection.execute" in warning


def test_a_renamed_compiler_attribute_is_found_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """``_result_columns`` is set per compiled statement: a future SQLAlchemy renaming it
    is simulated by compilers that lose it (and its class-level default)."""
    original_init = SQLCompiler.__init__

    def init_then_rename(self: SQLCompiler, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **kwargs)  # type: ignore[arg-type]
        self.__dict__["_result_columns_v3"] = self.__dict__.pop("_result_columns")

    storage = _new_storage(tmp_path)
    try:
        with storage.databases.auth.connect() as connection:
            monkeypatch.setattr(SQLCompiler, "__init__", init_then_rename)
            for owner in SQLCompiler.__mro__:  # its class-level default, if any
                if "_result_columns" in owner.__dict__:
                    monkeypatch.delattr(owner, "_result_columns")
            assert missing_names(connection) == ["SQLCompiler._result_columns"]
            monkeypatch.undo()
    finally:
        storage.close()
    assert _lane_warnings(caplog) == []  # missing_names only reports; the lane logs


def test_a_changed_signature_counts_as_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def handle(self: sa.Connection, error: BaseException) -> None: ...

    monkeypatch.setattr(sa.engine.Connection, "_handle_dbapi_exception", handle)
    storage = _new_storage(tmp_path)
    try:
        with storage.databases.auth.connect() as connection:
            assert missing_names(connection) == [
                "Connection._handle_dbapi_exception(e, statement, parameters, cursor, context)"
            ]
    finally:
        storage.close()


def test_with_the_lane_off_every_statement_goes_through_connection_execute(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    storage = _new_storage(tmp_path, direct_lane=False)
    try:
        _works_through_connection_execute(storage)
    finally:
        storage.close()
    assert _lane_warnings(caplog) == []


@pytest.mark.parametrize(("value", "lane"), [("on", True), ("off", False)])
def test_the_setting_reaches_the_engines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, lane: bool
) -> None:
    monkeypatch.setenv("TASKFLOW_SQL_DIRECT_LANE", value)
    settings = Settings(_env_file=None, data_dir=tmp_path)
    storage = build_storage(settings, RecordingEventPublisher())
    try:
        with storage.uow_factory(read_only=True) as uow:
            connection = uow.connection(tables.AUTH)
            result = auth._statements(tables.DEFAULT).user_by_id.execute(
                connection, {"user_id": new_id()}
            )
            assert isinstance(result, DirectResult) is lane
    finally:
        storage.close()


def test_the_setting_takes_on_and_off_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from taskflow.errors import ConfigurationError  # noqa: PLC0415

    monkeypatch.setenv("TASKFLOW_SQL_DIRECT_LANE", "maybe")
    with pytest.raises(ConfigurationError, match="SQL_DIRECT_LANE"):
        Settings(_env_file=None)
