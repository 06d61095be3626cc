"""Driver errors, translated into taskflow's errors at the adapter boundary.

Nothing from SQLAlchemy or a driver leaves the adapter: a unique-key violation becomes
the taskflow error the port documents (``EmailAlreadyExists``...), a lost or refused
connection becomes ``StorageUnavailable`` (the transaction was rolled back by the
server, so nothing was half-written). Messages never carry SQL or URLs.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Final, Literal

from sqlalchemy import exc

from taskflow.errors import Conflict, StorageUnavailable, TaskflowError

__all__ = ["UniqueKeyTaken", "is_unique_violation", "storage_errors"]


class UniqueKeyTaken(Exception):
    """A unique key is taken: for ``storage_errors(unique=UniqueKeyTaken)`` where the
    caller treats the duplicate as an answer (insert once, deny twice)."""


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


class _StorageErrors:
    """The context manager behind ``storage_errors`` (a class, not a generator: it wraps
    every statement, so it must cost next to nothing when nothing goes wrong)."""

    __slots__ = ("_unique",)

    def __init__(self, unique: Callable[[], Exception] | None) -> None:
        self._unique = unique

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        if not isinstance(error, exc.SQLAlchemyError):
            return False  # no error, or not a driver's: let it through unchanged
        if (
            self._unique is not None
            and isinstance(error, exc.IntegrityError)
            and is_unique_violation(error)
        ):
            raise self._unique() from error
        translated = translate(error)
        if translated is None:
            return False  # a bug: show it as is
        raise translated from error


_PLAIN: Final = _StorageErrors(None)


def storage_errors(
    *, unique: Callable[[], Exception] | None = None
) -> AbstractContextManager[None]:
    """Translate the driver errors raised inside the block (see ``translate``): THE one
    place where a SQLAlchemy error becomes a taskflow error. ``unique`` gives the error
    a unique-key violation becomes instead (``EmailAlreadyExists``...)."""
    return _PLAIN if unique is None else _StorageErrors(unique)
