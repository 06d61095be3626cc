"""Acme's own settings, from the environment. ``DATABASE_URL`` is shared with taskflow,
which keeps its tables in the same database (named ``taskflow_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class AcmeConfig:
    database_url: str
    secret_key: str
    """Signs the session cookie."""
    https_only: bool = False
    """Send the session cookie over HTTPS only (set it in production)."""

    @classmethod
    def from_env(cls) -> AcmeConfig:
        try:
            return cls(
                database_url=os.environ["DATABASE_URL"],
                secret_key=os.environ["ACME_SECRET_KEY"],
                https_only=os.environ.get("ACME_HTTPS_ONLY", "0") == "1",
            )
        except KeyError as missing:
            raise SystemExit(f"Acme needs the environment variable {missing}.") from None
