"""The composition root: the one place that maps ``Settings`` to adapters and wires them
into the services. Nothing below it (domain, ports, services) names an adapter; the
entry points (``taskflow.entrypoints``), the web integrations and ``taskflow.testing``
get what they run from here.

- ``app``: ``TaskFlow``, the assembled services (``from_settings``, ``from_adapters``);
- ``storage``: ``DATABASE_URL`` to the in-memory or SQL storage (the one ``SqlStorage``
  built from settings), ``REDIS_URL`` to the denylist of revoked tokens;
- ``mail``: ``SMTP_HOST`` to SMTP, else ``.eml`` files;
- ``queue``: ``REDIS_URL`` to Redis Streams, else the in-process queue;
- ``worker``: a ``TaskFlow``'s worker (``build_worker``);
- ``web``: a mounted app's runtime (rate limiter, Sentry); imported by the web
  integrations only, so that ``import taskflow`` loads no web code.

Optional extras are imported inside the functions that need them, so ``import taskflow``
never loads SQLAlchemy, Redis or a web framework.
"""

from taskflow.bootstrap.app import TaskFlow
from taskflow.bootstrap.mail import build_mailer
from taskflow.bootstrap.queue import build_in_process_queue, build_queue
from taskflow.bootstrap.storage import (
    build_memory_storage,
    build_sql_storage,
    build_storage,
    upgrade_sql_storage,
)
from taskflow.bootstrap.worker import build_worker
from taskflow.ports.storage import Storage

__all__ = [
    "Storage",
    "TaskFlow",
    "build_in_process_queue",
    "build_mailer",
    "build_memory_storage",
    "build_queue",
    "build_sql_storage",
    "build_storage",
    "build_worker",
    "upgrade_sql_storage",
]
