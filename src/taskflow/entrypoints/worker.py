"""``taskflow worker``: the notification worker in a process of its own, until SIGTERM or
SIGINT (the worker itself is ``taskflow.messaging.worker``; its wiring
``taskflow.bootstrap.build_worker``)."""

from __future__ import annotations

import argparse
import logging
import signal
from types import FrameType
from typing import Any

from taskflow.bootstrap import TaskFlow, build_queue, build_worker
from taskflow.bootstrap.queue import QUEUE_NAMES
from taskflow.errors import ConfigurationError

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
    parser.set_defaults(handler=run_worker_command)


def run_worker_command(args: argparse.Namespace) -> int:
    from taskflow.settings import Settings  # noqa: PLC0415 - read only when run

    if args.visibility_timeout <= 0 or args.max_attempts < 1:
        raise ConfigurationError("--visibility-timeout must be > 0 and --max-attempts >= 1.")
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
        logger.info("taskflow worker running (%s queue); SIGTERM to stop", queue_name)
        worker.run()
        worker.queue.close()
    return 0
