"""Identifiers: UUID version 7 (RFC 9562), time-ordered and monotonic in this process.

Time-ordered ids keep B-tree inserts local and make ``(created_at, id)`` orderings follow
creation order even when two rows share a timestamp (as under a fake clock).
"""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID

__all__ = ["new_id"]

_lock = threading.Lock()
_last = 0  # the last (48-bit ms timestamp << 12 | 12-bit counter) handed out


def new_id() -> UUID:
    """A fresh UUIDv7: 48 bits of Unix milliseconds, a 12-bit counter, 62 random bits."""
    global _last  # noqa: PLW0603 - one process-wide monotonic counter, guarded by the lock
    with _lock:
        candidate = time.time_ns() // 1_000_000 << 12
        _last = max(candidate, _last + 1)
        stamp = _last
    millis, counter = stamp >> 12, stamp & 0xFFF
    rand = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand
    return UUID(int=value)
