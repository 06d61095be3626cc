"""The host's users, as taskflow sees them in identity mode.

A host application that already has accounts and a login keeps them: it tells taskflow
who is calling (its own user id: an int, a string or a UUID) and describes its users
through a ``UserDirectory`` (``taskflow.ports.identity``). taskflow links each host id to
an internal user of its own the first time it meets it, so its keys, tables and events
stay as they are.
"""

from __future__ import annotations

from typing import Final, TypeAlias
from uuid import UUID

from attrs import frozen

from taskflow.errors import InvalidInput

__all__ = ["HOST_ID_MAX_LENGTH", "HostUser", "HostUserId", "host_key"]

HostUserId: TypeAlias = int | str | UUID
"""A user id of the host application."""

HOST_ID_MAX_LENGTH: Final = 255
"""The longest host user id taskflow stores (as text)."""


@frozen
class HostUser:
    """What the host's directory says of one of its users. ``language`` (``fa`` or
    ``en``; None or another: taskflow's default language) becomes the language of their
    mails and in-app texts."""

    email: str
    name: str
    language: str | None = None


def host_key(host_user_id: HostUserId) -> str:
    """The text taskflow stores for a host user id: the decimal digits of an int, the
    canonical (lower-case, hyphenated) form of a UUID, a string as it is. ``InvalidInput``
    for anything else (a bool, a float, an empty or over-long string)."""
    if isinstance(host_user_id, bool) or not isinstance(host_user_id, int | str | UUID):
        raise InvalidInput.for_field("host_user_id", "must be an int, a str or a UUID")
    key = str(host_user_id)
    if not key or len(key) > HOST_ID_MAX_LENGTH or "\x00" in key:
        raise InvalidInput.for_field(
            "host_user_id", f"must be 1 to {HOST_ID_MAX_LENGTH} characters, without NUL"
        )
    return key
