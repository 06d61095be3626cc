"""``taskflow serve``: the reference HTTP server, ready with no set-up.

    taskflow serve                      # FastAPI on uvicorn, http://127.0.0.1:8000
    taskflow serve --app flask          # the Flask server on waitress
    taskflow serve --host 0.0.0.0 --port 9000

It builds the same app as ``examples/fastapi_app`` (or ``examples/flask_app``) from the
installed package: ``Settings()`` from the environment and ``.env``; by default a SQLite
file in ``TASKFLOW_DATA_DIR``, mail written as ``.eml`` files into its ``mail`` folder and
the in-process queue. On start it applies the database migrations (what
``taskflow db upgrade`` does; ``--skip-migrations`` when your deployment runs them
itself), serves Prometheus metrics at ``GET /metrics`` (``--no-metrics`` to turn
it off) and starts the worker in a thread (``--no-worker`` when ``taskflow worker`` runs
separately, e.g. with ``REDIS_URL``). ``DATABASE_URL``, ``REDIS_URL``, ``SMTP_*`` switch to
PostgreSQL or MariaDB, Redis and a real mail server. With ``TASKFLOW_APP_URL`` unset, the
links in the mails its worker sends use the address it serves (``http://HOST:PORT``).

Servers: uvicorn for FastAPI (an ASGI server). For Flask, waitress: a production-quality,
pure-Python, multi-threaded WSGI server that runs everywhere Python does (Windows
included), which is what Flask's own deployment docs suggest for that; werkzeug's
built-in server is for development only.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
from typing import TYPE_CHECKING, Final

from taskflow.bootstrap import TaskFlow, build_worker
from taskflow.bootstrap.metrics import build_metrics
from taskflow.errors import ConfigurationError
from taskflow.version import pip_install

if TYPE_CHECKING:
    from taskflow.adapters.prometheus import TaskflowMetrics
    from taskflow.messaging.worker import Worker
    from taskflow.settings import Settings

__all__ = ["configure_serve_command", "run_serve_command", "with_served_app_url"]

logger = logging.getLogger("taskflow.serve")

APPS = ("fastapi", "flask")
_SERVER_MODULES: Final = {"fastapi": ("fastapi", "uvicorn"), "flask": ("flask", "waitress")}
_ANY_ADDRESS: Final = {"0.0.0.0", "::", ""}  # noqa: S104 - compared, not bound

# The FastAPI server's service threads default to the database's pool size
# (``TASKFLOW_DB_POOL_SIZE``, 5). More threads than pooled connections cost more than
# they bring: the extra ones wait for a connection or open one that is closed on return
# (measured on PostgreSQL, GET /auth/me: anyio's default 40 threads opened a new
# connection for about one request in six; 5 threads none, and answered about 1.5 times
# as many requests per second).


def configure_serve_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--app", choices=APPS, default="fastapi", help="which reference server (default: fastapi)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default: 8000)")
    parser.add_argument(
        "--skip-migrations",
        action="store_true",
        help="do not apply the database migrations on start",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run the notification worker in this process (run `taskflow worker`)",
    )
    parser.add_argument(
        "--no-metrics",
        action="store_true",
        help="do not serve GET /metrics (Prometheus; on by default when the metrics "
        "extra is installed)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads running the service calls (default: fastapi TASKFLOW_DB_POOL_SIZE, "
        "the size of the database's connection pool, 5; flask/waitress 8)",
    )
    parser.add_argument(
        "--loop",
        choices=("auto", "asyncio", "uvloop"),
        default="auto",
        help="fastapi/uvicorn: event loop (default: auto, uvloop when installed)",
    )
    parser.add_argument(
        "--http",
        choices=("auto", "h11", "httptools"),
        default="auto",
        help="fastapi/uvicorn: HTTP parser (default: auto, httptools when installed)",
    )
    parser.set_defaults(handler=run_serve_command)


def run_serve_command(args: argparse.Namespace) -> int:
    from taskflow.settings import Settings  # noqa: PLC0415 - read only when run

    if not 0 < args.port < 65536:
        raise ConfigurationError("--port must be between 1 and 65535.")
    if args.threads is not None and args.threads < 1:
        raise ConfigurationError("--threads must be at least 1.")
    _require_server(args.app)  # before any migration: say what to install first
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if settings.app_url is None and not args.no_worker:
        settings = with_served_app_url(settings, args.host, args.port)
    # The migrations run on the storage the server then uses (one set of engines).
    with TaskFlow.from_settings(settings, migrate=not args.skip_migrations) as tf:
        worker = None if args.no_worker else _start_worker(tf, settings)
        try:
            metrics = None if args.no_metrics else _metrics(tf, worker)
            logger.info(
                "taskflow %s server on http://%s:%d (database: %s; mail: %s)",
                args.app,
                args.host,
                args.port,
                _describe_database(settings),
                settings.smtp_host or settings.resolved_mail_dir(),
            )
            if args.app == "flask":
                threads = 8 if args.threads is None else args.threads
                _serve_flask(tf, settings, args.host, args.port, threads, metrics=metrics)
            else:
                threads = settings.db_pool_size if args.threads is None else args.threads
                _serve_fastapi(
                    tf,
                    settings,
                    args.host,
                    args.port,
                    threads,
                    loop=args.loop,
                    http=args.http,
                    metrics=metrics,
                )
        finally:
            if worker is not None:
                worker.stop(timeout=10)
                worker.queue.close()
    return 0


def _require_server(app: str) -> None:
    """``ConfigurationError`` naming the ``pip install`` when ``app``'s framework or
    server is not installed (it used to surface as "unexpected ModuleNotFoundError")."""
    for module in _SERVER_MODULES[app]:
        # A presence check only: the server itself is imported where it is started.
        if importlib.util.find_spec(module) is None:
            other = "flask" if app == "fastapi" else "fastapi"
            raise ConfigurationError(
                f"'taskflow serve --app {app}' needs {module!r}, which is not installed: "
                f"{pip_install(app)} (or {pip_install(other)} and --app {other})"
            )


def with_served_app_url(settings: Settings, host: str, port: int) -> Settings:
    """``settings`` whose mail links point at ``http://host:port``: the server the worker
    of this process runs beside (``localhost`` for an address that listens everywhere,
    which names no host a reader could open: set ``TASKFLOW_APP_URL`` for that)."""
    if host in _ANY_ADDRESS:
        logger.warning(
            "TASKFLOW_APP_URL is not set: the links in mails use http://localhost:%d; set "
            "it to the address your users open.",
            port,
        )
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"  # an IPv6 address
    return settings.model_copy(update={"app_url": f"http://{host}:{port}"})


def _start_worker(tf: TaskFlow, settings: Settings) -> Worker:
    worker = build_worker(tf, settings)
    worker.start()
    return worker


def _metrics(tf: TaskFlow, worker: Worker | None) -> TaskflowMetrics | None:
    """``GET /metrics``, with the in-process worker's queue depth when there is one; off,
    with a warning, when prometheus-client is not installed (the server still runs)."""
    if importlib.util.find_spec("prometheus_client") is None:
        logger.warning(
            "GET /metrics is off: prometheus-client is not installed (%s)",
            pip_install("metrics"),
        )
        return None
    return build_metrics(tf, queue=None if worker is None else worker.queue)


def _describe_database(settings: Settings) -> str:
    """What the log may say about the database: never the URL (it can hold a password)."""
    if settings.uses_memory_storage:
        return "in memory"
    if settings.database_url is None:
        return f"SQLite file in {settings.data_dir}"
    return settings.resolved_database_url().split(":", 1)[0]


def _serve_fastapi(
    tf: TaskFlow,
    settings: Settings,
    host: str,
    port: int,
    threads: int,
    *,
    loop: str = "auto",
    http: str = "auto",
    metrics: TaskflowMetrics | None = None,
) -> None:
    import uvicorn  # noqa: PLC0415

    from taskflow.adapters.fastapi import create_app  # noqa: PLC0415 - an extra
    from taskflow.adapters.web import WebConfig  # noqa: PLC0415

    app = create_app(
        tf, WebConfig.from_settings(settings), threads=threads, metrics=metrics or False
    )
    # access_log off: taskflow logs one line per request itself (with the path template
    # and the request id). Forwarded headers are handled by taskflow's trusted proxies.
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        proxy_headers=False,
        log_level=settings.log_level.lower(),
        loop=loop,
        http=http,
    )


def _serve_flask(
    tf: TaskFlow,
    settings: Settings,
    host: str,
    port: int,
    threads: int,
    *,
    metrics: TaskflowMetrics | None = None,
) -> None:
    try:
        import waitress  # noqa: PLC0415
    except ModuleNotFoundError:
        raise ConfigurationError(
            f"'taskflow serve --app flask' needs waitress: {pip_install('flask')}"
        ) from None

    from taskflow.adapters.flask import create_app  # noqa: PLC0415
    from taskflow.adapters.web import WebConfig  # noqa: PLC0415

    app = create_app(tf, WebConfig.from_settings(settings), metrics=metrics or False)
    # Forwarded headers pass through untouched, as with uvicorn's proxy_headers=False:
    # taskflow believes them only from TASKFLOW_TRUSTED_PROXIES (networks, where
    # waitress's trusted_proxy takes one address). By default waitress deletes them.
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="taskflow",
        clear_untrusted_proxy_headers=False,
    )
