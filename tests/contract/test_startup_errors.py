"""Start-up errors say what is really wrong, against the real servers: no such database,
authentication failed, unreachable server, unknown host; a SQLite file in a folder that
does not exist yet works (the folder is created); ``postgres://`` means PostgreSQL; a
missing driver or extra names the ``pip install`` to run. Never the password."""

from __future__ import annotations

import builtins
import secrets
import socket
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from tests.conftest import MARIADB_URL, POSTGRES_URL

from taskflow import TaskFlow
from taskflow.adapters.sqlalchemy.engine import create_engine, with_supported_driver
from taskflow.entrypoints import cli
from taskflow.errors import ConfigurationError
from taskflow.settings import Settings

PASSWORD = "hunter2-" + secrets.token_hex(4)


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "AUTH_DATABASE_URL", "TASK_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    monkeypatch.setenv("TASKFLOW_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def _upgrade_error(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["db", "upgrade"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1  # one line
    assert PASSWORD not in captured.err
    return captured.err.removeprefix("taskflow: error: ").rstrip("\n")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


@pytest.mark.postgres
@pytest.mark.usefixtures("environment")
def test_a_postgresql_database_that_does_not_exist_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"no_such_db_{secrets.token_hex(4)}"
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    message = _upgrade_error(url, monkeypatch, capsys)
    assert message == (
        f"The database '{name}' does not exist on the server: create it "
        f"(CREATE DATABASE {name}) or correct the name in the database URL. "
        "Nothing was migrated."
    )


@pytest.mark.postgres
@pytest.mark.usefixtures("environment")
def test_postgres_scheme_means_postgresql_with_psycopg(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # What Heroku, Render or Fly hand out; it used to say "is the driver installed?".
    name = f"no_such_db_{secrets.token_hex(4)}"
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    url = "postgres://" + url.split("://", 1)[1]
    message = _upgrade_error(url, monkeypatch, capsys)
    assert message.startswith(f"The database '{name}' does not exist")  # it got that far
    assert with_supported_driver(make_url("postgres://u@h/d")).drivername == ("postgresql+psycopg")
    assert with_supported_driver(make_url("postgresql://u@h/d")).drivername == (
        "postgresql+psycopg"
    )
    assert with_supported_driver(make_url("mysql://u@h/d")).drivername == "mysql+pymysql"
    assert with_supported_driver(make_url("sqlite:///x")).drivername == "sqlite"


@pytest.mark.postgres
@pytest.mark.usefixtures("environment")
def test_the_postgres_scheme_serves_a_taskflow(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgres://" + POSTGRES_URL.split("://", 1)[1]
    engine = create_engine(url)
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.mariadb
@pytest.mark.usefixtures("environment")
def test_a_wrong_mariadb_password_is_an_authentication_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = make_url(MARIADB_URL).set(password=PASSWORD).render_as_string(hide_password=False)
    message = _upgrade_error(url, monkeypatch, capsys)
    assert message == (
        "The database server refused the login (authentication failed): check the user "
        "name and password in the database URL. Nothing was migrated."
    )


@pytest.mark.mariadb
@pytest.mark.usefixtures("environment")
def test_a_mariadb_database_that_does_not_exist_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"no_such_db_{secrets.token_hex(4)}"
    url = make_url(MARIADB_URL).set(database=name).render_as_string(hide_password=False)
    message = _upgrade_error(url, monkeypatch, capsys)
    assert message.startswith(f"The database '{name}' does not exist on the server")


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "mysql+pymysql"])
@pytest.mark.usefixtures("environment")
def test_a_closed_port_is_an_unreachable_server(
    scheme: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    message = _upgrade_error(f"{scheme}://app:{PASSWORD}@127.0.0.1:{port}/app", monkeypatch, capsys)
    assert message.startswith("Cannot reach the database server at 127.0.0.1")
    assert message.endswith(
        "is it running, and are the host and port in the database URL right? Nothing was migrated."
    )


@pytest.mark.usefixtures("environment")
def test_an_unknown_host_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    message = _upgrade_error(
        f"postgresql+psycopg://app:{PASSWORD}@no-such-host.invalid/app", monkeypatch, capsys
    )
    assert message == (
        "Cannot reach the database server: the host name 'no-such-host.invalid' is unknown "
        "(check the host in the database URL). Nothing was migrated."
    )


@pytest.mark.sqlite
def test_a_sqlite_file_in_a_missing_folder_gets_its_folder(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = environment / "fresh" / "folder" / "app.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    assert cli.main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.startswith("database: at ")
    assert database.is_file()


@pytest.mark.sqlite
def test_db_upgrade_in_a_fresh_folder_creates_the_data_folder(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not (environment / "data").exists()
    assert cli.main(["db", "upgrade"]) == 0
    assert (environment / "data" / "taskflow.sqlite3").is_file()


@pytest.mark.usefixtures("environment")
def test_an_unsupported_database_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    message = _upgrade_error(f"oracle://app:{PASSWORD}@db/app", monkeypatch, capsys)
    assert message.startswith("The database URL names 'oracle', which taskflow does not support")


@pytest.mark.usefixtures("environment")
def test_a_missing_driver_names_the_pip_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    message = _upgrade_error(f"postgresql+psycopg2://app:{PASSWORD}@db/app", monkeypatch, capsys)
    assert message == (
        "The postgresql database URL needs the driver 'psycopg2', which is not installed: "
        "install it, or use postgresql+psycopg:// (pip install 'taskflow-embed[postgres]')"
    )


@pytest.fixture
def without_sqlalchemy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The core install: importing SQLAlchemy fails as it does when it is absent."""
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sqlalchemy" or name.startswith(("sqlalchemy.", "taskflow.adapters.sqlalchemy")):
            raise ModuleNotFoundError(f"No module named {name!r}", name="sqlalchemy")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


@pytest.mark.usefixtures("environment", "without_sqlalchemy")
def test_the_embedded_default_on_the_core_install_names_the_extra() -> None:
    with pytest.raises(ConfigurationError) as caught:
        TaskFlow.from_settings(Settings(_env_file=None))
    message = caught.value.message
    assert message.startswith("The embedded default (a SQLite file in TASKFLOW_DATA_DIR")
    assert "pip install 'taskflow-embed[sqlalchemy]'" in message
    assert "DATABASE_URL=memory://" in message
