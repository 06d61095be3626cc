"""Request headers with a meaning for the services: ``If-Match`` and ``Idempotency-Key``."""

from __future__ import annotations

import re

from taskflow.errors import InvalidInput

__all__ = ["etag_for_version", "parse_if_match"]

_VERSION_TAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def etag_for_version(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    """The task version an ``If-Match`` header names (``"3"``, ``W/"3"`` or ``3``);
    ``None`` when absent or ``*`` (any version)."""
    if value is None or value.strip() in {"", "*"}:
        return None
    match = _VERSION_TAG.match(value)
    if match is None or int(match.group(1)) < 1:
        raise InvalidInput.for_field("If-Match", 'must be the task\'s version, e.g. "3"')
    return int(match.group(1))
