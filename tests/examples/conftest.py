"""Fixtures of the example host apps' tests (examples/host_fastapi, examples/host_flask).

The examples are applications, not installed packages: their folders go on ``sys.path``
as ``uvicorn``/``flask`` would put them when run from there. Each test gets a database
of its own with nothing in it: a SQLite file, and a PostgreSQL schema of its own
(``blank_postgres_database``, tests/contract/blank_databases.py: dropped afterwards, so
parallel runs never meet)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
for _folder in (
    ROOT / "examples" / "host_fastapi",
    ROOT / "examples" / "host_flask",
    ROOT / "tests" / "contract",  # blank_databases
):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from blank_databases import blank_postgres_database  # noqa: E402

__all__ = ["blank_postgres_database"]  # the fixture, imported for pytest


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def host_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database for the host app and taskflow, for this test alone."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'host.sqlite3'}"
    url: str = request.getfixturevalue("blank_postgres_database")
    return url
