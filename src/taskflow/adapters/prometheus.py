"""Prometheus metrics (prometheus-client, the ``metrics`` extra): what the seed's scaling
thresholds and the alert rules of ``deploy/prometheus/alerts.yaml`` read.

- ``taskflow_http_requests_total{method, route, status}``: requests answered by taskflow's
  routes (``route`` is the path template, so the label set stays small); their rate is
  the request rate.
- ``taskflow_http_request_duration_seconds{method, route}``: latency histogram.
- ``taskflow_http_server_errors_total{method, route}``: the 5xx answers.
- ``taskflow_queue_depth``: messages the workers have yet to settle (``Queue.depth``),
  what the worker's autoscaler acts on (seed: "> 1000 jobs: add a worker").
- ``taskflow_outbox_unpublished_events`` and ``taskflow_outbox_lag_seconds``: events not
  yet relayed to the queue, and the age of the oldest.
- ``taskflow_mail_deliveries{status}``: mail deliveries by status (``sent``, ``failed``,
  ``dead``, ``pending``...), counted in the database.
- ``taskflow_metrics_source_up{source}``: 1 if the database (or the queue) answered this
  scrape, 0 if not (its gauges are then left out rather than reported as 0).

Each ``TaskflowMetrics`` has a registry of its own, never prometheus-client's global
one: a host application's own metrics, and several apps in one process, never collide.
The backlog gauges are read when scraped; every process reports the same database-wide
numbers, so alerts take their ``max``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Final, TypeVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from taskflow.messaging.backlog import Backlog

__all__ = ["CONTENT_TYPE", "TaskflowMetrics"]

logger = logging.getLogger("taskflow.metrics")

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
"""The classic text format, which every Prometheus reads (newer prometheus-client calls
its default 1.0.0, which Prometheus before 3.0 does not know); ``generate_latest``
writes it as long as every name is a classic one, as taskflow's are."""
_T = TypeVar("_T")

# Seconds; the seed's budget is a snappy UI: most requests well under 100 ms.
_LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class TaskflowMetrics:
    """The metrics of one process: ``observe_request`` from the web edge, the backlog read
    at scrape time from ``backlog`` and ``queue_depth`` (either may be None: its gauges
    are then absent). ``render()`` gives the exposition and its content type."""

    def __init__(
        self,
        *,
        backlog: Callable[[], Backlog] | None = None,
        queue_depth: Callable[[], int] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "taskflow_http_requests",
            "HTTP requests answered by taskflow's routes.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "taskflow_http_request_duration_seconds",
            "Time to answer an HTTP request, in seconds.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._server_errors = Counter(
            "taskflow_http_server_errors",
            "HTTP requests answered with a 5xx status.",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(_BacklogCollector(backlog, queue_depth))

    def observe_request(self, method: str, route: str, status: int, duration_s: float) -> None:
        self._requests.labels(method, route, str(status)).inc()
        self._latency.labels(method, route).observe(duration_s)
        if status >= 500:
            self._server_errors.labels(method, route).inc()

    def render(self) -> bytes:
        """The text exposition format (``CONTENT_TYPE``)."""
        return generate_latest(self.registry)

    def serve(self, host: str, port: int) -> Callable[[], None]:
        """Serve the metrics over HTTP from a thread (a process with no web app of its
        own: the worker); returns the function that stops it. ``port`` 0: a free one,
        then ``self.served_port`` says which."""
        server, thread = start_http_server(port, host, registry=self.registry)
        self.served_port: int = server.server_port

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

        return stop


class _BacklogCollector(Collector):
    def __init__(
        self, backlog: Callable[[], Backlog] | None, queue_depth: Callable[[], int] | None
    ) -> None:
        self._backlog = backlog
        self._queue_depth = queue_depth

    def describe(self) -> Iterator[Metric]:
        return iter(())  # read only when scraped: never at registration

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "taskflow_metrics_source_up",
            "1 if the source answered this scrape, 0 if not.",
            labels=["source"],
        )
        if self._queue_depth is not None:
            depth = _read("queue", self._queue_depth)
            up.add_metric(["queue"], 0 if depth is None else 1)
            if depth is not None:
                yield GaugeMetricFamily(
                    "taskflow_queue_depth",
                    "Messages published to the queue and not yet settled by a worker.",
                    value=depth,
                )
        if self._backlog is not None:
            backlog = _read("database", self._backlog)
            up.add_metric(["database"], 0 if backlog is None else 1)
            if backlog is not None:
                yield from _backlog_metrics(backlog)
        yield up


def _backlog_metrics(backlog: Backlog) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "taskflow_outbox_unpublished_events",
        "Events committed and not yet relayed to the queue.",
        value=backlog.outbox_unpublished,
    )
    yield GaugeMetricFamily(
        "taskflow_outbox_lag_seconds",
        "Age of the oldest event not yet relayed to the queue (0: none waits).",
        value=backlog.outbox_lag_seconds,
    )
    mails = GaugeMetricFamily(
        "taskflow_mail_deliveries",
        "Mail deliveries by status (sent, failed and dead are final).",
        labels=["status"],
    )
    for status, count in sorted(backlog.mails.items()):
        mails.add_metric([status.value], count)
    yield mails


def _read(source: str, read: Callable[[], _T]) -> _T | None:
    try:
        return read()
    except Exception:
        # A scrape must answer even with the database down: the up gauge says it.
        logger.warning("metrics: the %s could not be read", source, exc_info=True)
        return None
