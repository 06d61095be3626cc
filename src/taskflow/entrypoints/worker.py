"""``taskflow worker``: the notification worker in a process of its own, until SIGTERM or
SIGINT (the worker itself is ``taskflow.messaging.worker``; its wiring
``taskflow.bootstrap.build_worker``)."""

from __future__ import annotations

import argparse
import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from taskflow.bootstrap import TaskFlow, build_queue, build_worker
from taskflow.bootstrap.metrics import build_metrics
from taskflow.bootstrap.queue import QUEUE_NAMES
from taskflow.errors import ConfigurationError

if TYPE_CHECKING:
    from taskflow.messaging.worker import Worker

__all__ = ["configure_worker_command", "run_worker_command"]

logger = logging.getLogger("taskflow.worker")


def configure_worker_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--visibility-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="Redis queue: a message received but not acknowledged for this long (its "
        "worker died) goes to another worker; must exceed the slowest handling "
        "(default: 300)",
    )
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=5,
        metavar="N",
        help="deliveries of an event whose handling keeps failing before it becomes a "
        "dead letter (default: 5)",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        metavar="PORT",
        help="serve Prometheus metrics (queue depth, outbox lag, mails) over HTTP on this "
        "port, for the autoscaler and the alerts (default: off)",
    )
    parser.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        help="address the metrics listen on (default: 127.0.0.1; 0.0.0.0 in a container)",
    )
    parser.set_defaults(handler=run_worker_command)


def run_worker_command(args: argparse.Namespace) -> int:
    from taskflow.settings import Settings  # noqa: PLC0415 - read only when run

    if args.visibility_timeout <= 0 or args.max_attempts < 1:
        raise ConfigurationError("--visibility-timeout must be > 0 and --max-attempts >= 1.")
    if args.metrics_port is not None and not 0 <= args.metrics_port < 65536:
        raise ConfigurationError("--metrics-port must be between 0 and 65535.")
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if settings.app_url is None:
        logger.warning(
            "TASKFLOW_APP_URL is not set: the links in the mails this worker sends point at "
            "%s. Set it to the address of the application your users open.",
            settings.resolved_app_url(),
        )
    options: dict[str, Any] = {"max_attempts": args.max_attempts}
    if settings.queue_kind == "redis":  # RabbitMQ sees a dead consumer's connection close
        options["visibility_timeout"] = args.visibility_timeout
    with TaskFlow.from_settings(settings) as tf:
        worker = build_worker(tf, settings, queue=build_queue(settings, **options))

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            logger.info("%s received: finishing the work in hand", signal.Signals(signum).name)
            worker.request_stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        queue_name = QUEUE_NAMES[settings.queue_kind]
        stop_metrics = _serve_metrics(tf, worker, args.metrics_host, args.metrics_port)
        logger.info("taskflow worker running (%s queue); SIGTERM to stop", queue_name)
        try:
            worker.run()
        finally:
            stop_metrics()
            worker.queue.close()
    return 0


def _serve_metrics(tf: TaskFlow, worker: Worker, host: str, port: int | None) -> Callable[[], None]:
    """The worker's metrics over HTTP: a small server in a thread of this process, which
    Prometheus scrapes like the services (so KEDA and the alerts read one Prometheus).
    Why not a textfile for node_exporter: that needs a node agent and a shared volume,
    and the number goes stale when the worker dies. Why not a Pushgateway: it is meant
    for batch jobs; a long-running worker would leave its last value behind after it
    stopped. Returns what stops it (nothing to stop when ``port`` is None)."""
    if port is None:
        return lambda: None
    metrics = build_metrics(tf, queue=worker.queue)
    stop = metrics.serve(host, port)
    logger.info("metrics on http://%s:%d/metrics", host, metrics.served_port)
    return stop
