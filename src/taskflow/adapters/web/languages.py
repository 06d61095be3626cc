"""The user's language from a request's ``Accept-Language`` (RFC 9110, section 12.5.4),
for a sign-up that does not name one: the supported language the client prefers most,
or None (then the configured default applies). Unsupported languages, ``*`` and garbage
are ignored, never an error: the header is the browser's, not the user's input."""

from __future__ import annotations

import re
from typing import Final

from taskflow.domain.notifications import LANGUAGES

__all__ = ["ACCEPT_LANGUAGE", "preferred_language"]

ACCEPT_LANGUAGE: Final = "Accept-Language"
_MAX_HEADER: Final = 1024  # a longer header is not a browser's: read its start only
_RANGE: Final = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*$")
_QUALITY: Final = re.compile(r"^\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*$", re.IGNORECASE)


def preferred_language(header: str | None) -> str | None:
    """``fa-IR,fa;q=0.9,en;q=0.8`` → ``fa``; ``de,en;q=0.5`` → ``en``; ``de`` → None.
    Among equal weights the first listed wins."""
    if not header:
        return None
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(header[:_MAX_HEADER].split(",")):
        tag, _, parameters = item.partition(";")
        match = _RANGE.match(tag)
        if match is None:
            continue
        language = match.group(1).lower()
        weight = _weight(parameters)
        if language not in LANGUAGES or weight <= 0:
            continue
        candidate = (-weight, position, language)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best is not None else None


def _weight(parameters: str) -> float:
    if not parameters.strip():
        return 1.0
    quality = _QUALITY.match(parameters)
    return float(quality.group(1)) if quality else 0.0
