"""A real Celery worker in a thread of the test process (``celery.contrib.testing``),
stopped at once at the end and leaving the logging as it found it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def running_celery_worker(app: Any) -> Iterator[Any]:
    """The worker of ``app`` (solo pool) while the block runs."""
    from celery.contrib.testing.worker import start_worker  # noqa: PLC0415
    from celery.worker import state  # noqa: PLC0415

    root = logging.getLogger()
    level = root.level  # the worker sets the root logger's level: later tests need theirs
    app.loader.import_module("celery.contrib.testing.tasks")  # its ping task
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
            yield w
            state.should_terminate = 0
            # The worker's loop sees that flag on its next event: send it one.
            app.send_task("celery.ping")
    finally:
        root.setLevel(level)
