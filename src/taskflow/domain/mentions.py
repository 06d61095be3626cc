"""Mentions in comments: a stable token the client inserts, never a name parsed from text.

A comment mentions a user with ``@[user:<uuid>]`` (the user's id, in the canonical
lower-case, hyphenated form, e.g. ``@[user:0190f3c2-7d1e-7b3a-9c4f-2a5b6c7d8e9f]``). The
client offers the task's team members as the user types ``@`` and inserts the token; it
shows the token as ``@Name`` when it displays the comment (the member list gives the
names). Names are never parsed: two members may share one, a name may change, and free
text such as an email address must not notify anyone.

Only the members of the task's team count: the token of anyone else is left in the text
as it is and notifies nobody (the services check membership; this module only reads the
tokens). A malformed token is plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final
from uuid import UUID

__all__ = ["MENTION_PATTERN", "mention_token", "mentioned_ids", "replace_mentions"]

MENTION_PATTERN: Final = re.compile(
    r"@\[user:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]"
)
"""``@[user:<uuid>]``, the uuid canonical (lower-case hex, with hyphens)."""


def mention_token(user_id: UUID) -> str:
    """The token that mentions ``user_id`` (what a client inserts)."""
    return f"@[user:{user_id}]"


def mentioned_ids(content: str) -> list[UUID]:
    """The ids mentioned in ``content``, each once, in the order they first appear."""
    seen: dict[UUID, None] = {}
    for match in MENTION_PATTERN.finditer(content):
        seen.setdefault(UUID(match.group(1)), None)
    return list(seen)


def replace_mentions(content: str, name_of: Callable[[UUID], str | None]) -> str:
    """``content`` with every token replaced by ``"@" + name_of(id)`` (what a mail
    shows); a token whose ``name_of`` is None stays as it is."""

    def name(match: re.Match[str]) -> str:
        found = name_of(UUID(match.group(1)))
        return match.group(0) if found is None else "@" + found

    return MENTION_PATTERN.sub(name, content)
