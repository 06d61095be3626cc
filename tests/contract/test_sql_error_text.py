"""A driver error's text never lists the statement's bound values (a password hash, a
token hash, an email): it reaches the log with the traceback of an unexpected error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from taskflow.adapters.sqlalchemy.engine import create_engine


def test_a_failed_statement_does_not_show_its_parameters() -> None:
    engine = create_engine("sqlite://")
    try:
        with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError) as raised:
            connection.execute(
                sa.text("INSERT INTO no_such_table (secret) VALUES (:secret)"),
                {"secret": "$argon2id$v=19$TOP-SECRET-HASH"},
            )
        assert "TOP-SECRET-HASH" not in str(raised.value)
    finally:
        engine.dispose()
