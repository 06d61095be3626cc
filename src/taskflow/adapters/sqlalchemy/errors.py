"""Driver errors, translated into taskflow's errors at the adapter boundary.

Nothing from SQLAlchemy or a driver leaves the adapter: a unique-key violation becomes
the taskflow error the port documents (``EmailAlreadyExists``...), a lost or refused
connection becomes ``StorageUnavailable`` (the transaction was rolled back by the
server, so nothing was half-written). Messages never carry SQL, a URL or a password.

At start-up (``connect_failure``), a connection that cannot be opened says why: no such
database, authentication failed, server unreachable, host unknown, SQLite file that
cannot be opened.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Final, Literal

from sqlalchemy import exc

from taskflow.errors import ConfigurationError, Conflict, StorageUnavailable, TaskflowError

__all__ = [
    "UniqueKeyTaken",
    "connect_failure",
    "connection_failures",
    "is_unique_violation",
    "storage_errors",
]


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


# What the drivers say when a connection cannot be opened (psycopg 3 gives no SQLSTATE
# before the session exists: its message is all there is; PyMySQL gives MySQL's codes).
_MYSQL_ACCESS_DENIED: Final = frozenset({1044, 1045})
_MYSQL_UNKNOWN_DATABASE: Final = 1049
_MYSQL_CANNOT_CONNECT: Final = frozenset({2003, 2005})
_NO_DATABASE: Final = re.compile(r'database "([^"]+)" does not exist|Unknown database \'([^\']+)\'')
_AUTHENTICATION: Final = re.compile(
    r"password authentication failed|role \"[^\"]+\" does not exist|no password supplied"
)
_SERVER_AT: Final = re.compile(
    r'server at "([^"]+)"(?:[^,]*), port (\d+)|server on \'([^\']+)\'|server on socket'
)
_UNKNOWN_HOST: Final = re.compile(
    r"failed to resolve host '([^']+)'|Name or service not known|nodename nor servname"
)


@contextmanager
def connection_failures(then: str = "") -> Iterator[None]:
    """Around work that opens connections (a command, a migration): an
    ``OperationalError`` becomes ``connect_failure``'s clear error."""
    try:
        yield
    except exc.OperationalError as error:
        raise connect_failure(error, then) from error


def connect_failure(error: exc.DBAPIError, then: str = "") -> TaskflowError:
    """What is really wrong when a database connection cannot be opened, in one line
    (``then``, e.g. "Nothing was migrated.", is appended): ``ConfigurationError`` for a
    database that does not exist or refused credentials, ``StorageUnavailable`` for a
    server that cannot be reached. Never the URL nor the password."""
    original = error.orig
    text = str(original)
    arguments = getattr(original, "args", ())
    code = arguments[0] if arguments else None
    tail = f" {then}" if then else ""
    missing = _NO_DATABASE.search(text)
    if missing or code == _MYSQL_UNKNOWN_DATABASE:
        name = next((group for group in missing.groups() if group), "") if missing else ""
        return ConfigurationError(
            f"The database {name!r} does not exist on the server: create it "
            f"(CREATE DATABASE {name}) or correct the name in the database URL.{tail}"
        )
    if code in _MYSQL_ACCESS_DENIED or _AUTHENTICATION.search(text):
        return ConfigurationError(
            "The database server refused the login (authentication failed): check the "
            f"user name and password in the database URL.{tail}"
        )
    if unknown_host := _UNKNOWN_HOST.search(text):
        host = f" {unknown_host.group(1)!r}" if unknown_host.group(1) else ""
        return StorageUnavailable(
            f"Cannot reach the database server: the host name{host} is unknown (check the "
            f"host in the database URL).{tail}"
        )
    if code in _MYSQL_CANNOT_CONNECT or "Connection refused" in text or "timeout" in text:
        return StorageUnavailable(
            f"Cannot reach the database server{_where(text)}: is it running, and are the "
            f"host and port in the database URL right?{tail}"
        )
    if "unable to open database file" in text:
        return ConfigurationError(
            "Cannot open the SQLite database file: check that its folder can be written "
            f"by this user.{tail}"
        )
    return StorageUnavailable(f"Cannot reach the database ({type(original).__name__}).{tail}")


def _where(text: str) -> str:
    server = _SERVER_AT.search(text)
    if server is None:
        return ""
    if server.group(1):
        return f" at {server.group(1)}:{server.group(2)}"
    return f" at {server.group(3)}" if server.group(3) else ""
