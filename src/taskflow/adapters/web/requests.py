"""Request ids and the one log line per request.

The line names the route's path TEMPLATE (``/tasks/{task_id}``), never the concrete path
or query string, and never a header or body: tokens, passwords and secrets cannot leak
into the log through it.
"""

from __future__ import annotations

import logging
import random
import re

__all__ = ["REQUEST_ID_HEADER", "log_request", "request_id_from"]

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

logger = logging.getLogger("taskflow.http")


def request_id_from(incoming: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a harmless token; otherwise a new one
    (an arbitrary header must not be echoed into logs and responses)."""
    if incoming and _VALID_REQUEST_ID.match(incoming):
        return incoming
    # Unique, not secret (it is echoed in the response and the logs): Python's own
    # generator, not uuid4. uuid4 reads os.urandom, which releases the interpreter lock:
    # on the event loop that handed the lock to a busy worker thread for up to the
    # switch interval (5 ms) on every request (12 % of a loaded server's samples).
    return f"{random.getrandbits(128):032x}"


def log_request(
    method: str, path_template: str, status: int, duration_s: float, request_id: str
) -> None:
    logger.info(
        "%s %s %d %.1fms request_id=%s",
        method,
        path_template,
        status,
        duration_s * 1000,
        request_id,
    )
