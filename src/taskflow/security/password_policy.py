"""What makes a password acceptable, after NIST SP 800-63B (section 3.1.1.2).

- Length: 8 to 128 characters (Unicode code points, after NFKC normalisation, so that
  the same password typed on two keyboards counts the same). Spaces and every printable
  character are allowed; there are no composition rules ("one digit, one symbol").
- Refused: a password found in a list of commonly used and breached passwords (the 20,000
  of ``common-passwords.txt.gz``, shipped in the package; compared case-insensitively and
  ignoring surrounding spaces), one character repeated (``aaaaaaaa``, eight spaces, eight
  NULs), and a straight run of letters or digits (``12345678``, ``abcdefgh``, ``87654321``).

The list is the one Django ships (django/contrib/auth/common-passwords.txt.gz, under
Django's BSD licence), itself from Royce Williams' list of the most common passwords seen
in breach corpora.
"""

from __future__ import annotations

import functools
import gzip
import unicodedata
from importlib import resources
from typing import Final

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "password_problem"]

MIN_PASSWORD_LENGTH: Final = 8
MAX_PASSWORD_LENGTH: Final = 128
_COMMON_PASSWORDS_FILE: Final = "common-passwords.txt.gz"


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable (a message for the user), or None if it is."""
    length = len(unicodedata.normalize("NFKC", password))
    if not MIN_PASSWORD_LENGTH <= length <= MAX_PASSWORD_LENGTH:
        return f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
    if len(set(password)) == 1:
        return "must not be one character repeated"
    if _is_straight_run(password):
        return "must not be a run of consecutive letters or digits"
    if password.strip().lower() in _common_passwords():
        return "is too common: it appears in lists of breached passwords"
    return None


def _is_straight_run(password: str) -> bool:
    """``12345678``, ``abcdefgh``, ``98765432``: each character one after the last."""
    if not password.isalnum() or not password.isascii():
        return False
    steps = {ord(b) - ord(a) for a, b in zip(password.lower(), password.lower()[1:], strict=False)}
    return steps in ({1}, {-1})


@functools.cache
def _common_passwords() -> frozenset[str]:
    data = resources.files("taskflow.security").joinpath(_COMMON_PASSWORDS_FILE).read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())
