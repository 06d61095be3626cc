"""Driver errors, translated into taskflow's errors at the adapter boundary.

Nothing from SQLAlchemy or a driver leaves the adapter: a unique-key violation becomes
the taskflow error the port documents (``EmailAlreadyExists``...), a lost or refused
connection becomes ``StorageUnavailable`` (the transaction was rolled back by the
server, so nothing was half-written). Messages never carry SQL or URLs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from taskflow.errors import Conflict, StorageUnavailable, TaskflowError

__all__ = ["is_unique_violation", "storage_errors", "translate"]

_PG_UNIQUE_VIOLATION = "23505"
_MYSQL_DUPLICATE_ENTRY = 1062


def is_unique_violation(error: exc.DBAPIError) -> bool:
    """True if ``error`` is a unique (or primary) key violation, on any backend."""
    original = error.orig
    if getattr(original, "sqlstate", None) == _PG_UNIQUE_VIOLATION:  # psycopg 3
        return True
    args = getattr(original, "args", ())
    if args and args[0] == _MYSQL_DUPLICATE_ENTRY:  # PyMySQL
        return True
    return "UNIQUE constraint failed" in str(original)  # sqlite3


def is_disconnect(error: exc.DBAPIError) -> bool:
    return bool(error.connection_invalidated) or isinstance(
        error, exc.OperationalError | exc.InterfaceError
    )


def translate(error: exc.SQLAlchemyError) -> TaskflowError | None:
    """The taskflow error for a driver error, or None if it is a bug to show as is."""
    if isinstance(error, exc.DBAPIError):
        if is_disconnect(error):
            return StorageUnavailable()
        if isinstance(error, exc.IntegrityError):
            return Conflict()
        return None
    if isinstance(error, exc.TimeoutError | exc.DisconnectionError):  # pool exhausted
        return StorageUnavailable()
    return None


@contextmanager
def storage_errors() -> Iterator[None]:
    """Translate driver errors raised inside the block (see ``translate``)."""
    try:
        yield
    except exc.SQLAlchemyError as error:
        translated = translate(error)
        if translated is None:
            raise
        raise translated from error
