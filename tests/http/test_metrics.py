"""``GET /metrics`` (Prometheus) on both reference servers, on a host app (opt-in, under
taskflow's prefix, never counting the host's own routes) and on the worker (its own small
HTTP server, ``taskflow worker --metrics-port``)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from flask import Flask
from httpkit import PASSWORD, SERVERS, Api, build_api
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from taskflow import TaskFlow
from taskflow.adapters.fastapi import mount_taskflow
from taskflow.adapters.flask import TaskFlowExtension
from taskflow.adapters.memory.queue import InProcessQueue
from taskflow.adapters.prometheus import TaskflowMetrics
from taskflow.adapters.web import WebConfig
from taskflow.bootstrap.metrics import build_metrics
from taskflow.domain.notifications import DeliveryStatus
from taskflow.events import TASK_CREATED, make_event
from taskflow.testing import FakeClock, drain

NO_LIMITS = WebConfig(rate_limit=None, auth_rate_limit=None)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples_of(text: str) -> Samples:
    """``{(sample name, sorted labels): value}`` of an exposition (parsed by
    prometheus-client's own parser, so the format is checked too)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def scrape(api: Api, path: str = "/metrics") -> Samples:
    reply = api.get(path)
    assert reply.status == 200, reply.content
    assert reply.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples_of(reply.content.decode())


@pytest.mark.parametrize("server", SERVERS)
def test_the_reference_server_counts_requests_latency_and_5xx(
    server: str, tf: TaskFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = build_api(server, tf, NO_LIMITS, metrics=True)
    signed_up = api.post(
        "/auth/signup", {"email": "sara@example.com", "password": PASSWORD, "name": "Sara"}
    )
    assert signed_up.status == 201
    token = signed_up.json()["token"]
    assert api.get("/teams").status == 401

    def boom(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(tf.teams, "list_mine", boom)
    assert api.get("/teams", token=token).status == 500

    samples = scrape(api)
    requests = "taskflow_http_requests_total"
    assert value(samples, requests, method="POST", route="/auth/signup", status="201") == 1
    assert value(samples, requests, method="GET", route="/teams", status="401") == 1
    assert value(samples, requests, method="GET", route="/teams", status="500") == 1
    latency = "taskflow_http_request_duration_seconds"
    assert value(samples, f"{latency}_count", method="GET", route="/teams") == 2
    assert value(samples, f"{latency}_sum", method="GET", route="/teams") > 0
    assert value(samples, f"{latency}_bucket", method="GET", route="/teams", le="+Inf") == 2
    errors = "taskflow_http_server_errors_total"
    assert value(samples, errors, method="GET", route="/teams") == 1
    assert (errors, (("method", "POST"), ("route", "/auth/signup"))) not in samples
    # The path template, never the concrete path: one series per route.
    assert all("sara" not in str(key) for key in samples)


@pytest.mark.parametrize("server", SERVERS)
def test_the_backlog_outbox_lag_and_mails_are_read_when_scraped(
    server: str, tf: TaskFlow, clock: FakeClock
) -> None:
    queue = InProcessQueue()
    api = build_api(server, tf, NO_LIMITS, metrics=build_metrics(tf, queue=queue))
    before = scrape(api)
    assert value(before, "taskflow_queue_depth") == 0
    assert value(before, "taskflow_outbox_unpublished_events") == 0
    assert value(before, "taskflow_outbox_lag_seconds") == 0
    for status in DeliveryStatus:
        assert value(before, "taskflow_mail_deliveries", status=status.value) == 0

    api.post("/auth/signup", {"email": "ali@example.com", "password": PASSWORD, "name": "Ali"})
    queue.publish([make_event(TASK_CREATED, {}, clock.now()) for _ in range(3)])
    clock.advance(seconds=90)
    after = scrape(api)
    assert value(after, "taskflow_queue_depth") == 3
    assert value(after, "taskflow_outbox_unpublished_events") == 1  # user.signup, no relay
    assert value(after, "taskflow_outbox_lag_seconds") == 90
    assert value(after, "taskflow_metrics_source_up", source="database") == 1
    assert value(after, "taskflow_metrics_source_up", source="queue") == 1

    # What the worker does: relay, handle, send. The outbox empties, the mails count.
    drained = drain(tf)
    assert drained.mails
    done = scrape(api)
    assert value(done, "taskflow_outbox_unpublished_events") == 0
    assert value(done, "taskflow_outbox_lag_seconds") == 0
    assert value(done, "taskflow_mail_deliveries", status="sent") == len(drained.mails)


def test_a_source_that_fails_is_reported_down_and_the_scrape_still_answers() -> None:
    def down() -> Any:
        raise ConnectionError("no route to the database")

    metrics = TaskflowMetrics(backlog=down, queue_depth=down)
    samples = samples_of(metrics.render().decode())
    assert value(samples, "taskflow_metrics_source_up", source="database") == 0
    assert value(samples, "taskflow_metrics_source_up", source="queue") == 0
    assert not any(name.startswith(("taskflow_queue", "taskflow_outbox")) for name, _ in samples)


# --- mounted on a host app: opt-in, under taskflow's prefix, taskflow's routes only -----


def _fastapi_host(tf: TaskFlow, **options: Any) -> TestClient:
    app = FastAPI()

    @app.get("/metrics")
    def host_metrics() -> dict[str, str]:
        return {"host": "own metrics"}

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    mount_taskflow(app, tf, NO_LIMITS, prefix="/api", **options)
    return TestClient(app)


def _flask_host(tf: TaskFlow, **options: Any) -> Any:
    app = Flask("host")

    @app.get("/metrics")
    def host_metrics() -> dict[str, str]:
        return {"host": "own metrics"}

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    TaskFlowExtension(app, tf, NO_LIMITS, url_prefix="/api", **options)
    return app.test_client()


HOSTS = {"fastapi": _fastapi_host, "flask": _flask_host}


def body(reply: Any) -> bytes:
    """The body of a Starlette (httpx) or a Flask (werkzeug) test response."""
    return bytes(reply.data if hasattr(reply, "data") else reply.content)


@pytest.mark.parametrize("server", SERVERS)
def test_a_host_app_gets_no_metrics_unless_it_asks(server: str, tf: TaskFlow) -> None:
    client = HOSTS[server](tf)
    assert client.get("/api/metrics").status_code == 404
    assert json.loads(body(client.get("/metrics"))) == {"host": "own metrics"}


@pytest.mark.parametrize("server", SERVERS)
def test_a_host_app_that_asks_gets_them_under_taskflows_prefix(server: str, tf: TaskFlow) -> None:
    client = HOSTS[server](tf, metrics=True)
    assert client.get("/hello").status_code == 200
    assert client.get("/api/health").status_code == 200
    assert client.get(f"/api/teams/{uuid4()}/tasks").status_code == 401
    host_own = client.get("/metrics")  # the host's path: untouched
    assert json.loads(body(host_own)) == {"host": "own metrics"}
    reply = client.get("/api/metrics")
    assert reply.status_code == 200
    samples = samples_of(body(reply).decode())
    requests = "taskflow_http_requests_total"
    assert value(samples, requests, method="GET", route="/api/health", status="200") == 1
    team_tasks = "/api/teams/{team_id}/tasks"  # the template, with the prefix
    assert value(samples, requests, method="GET", route=team_tasks, status="401") == 1
    # The host's own routes are not taskflow's to count.
    assert not [key for key in samples if key[0] == requests and "/hello" in str(key)]


# --- the worker: its own small HTTP server --------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_metrics_served_over_http_from_a_thread(tf: TaskFlow) -> None:
    queue = InProcessQueue()
    queue.publish([make_event(TASK_CREATED, {}, tf.clock.now()) for _ in range(2)])
    metrics = build_metrics(tf, queue=queue)
    stop = metrics.serve("127.0.0.1", 0)
    try:
        reply = httpx.get(f"http://127.0.0.1:{metrics.served_port}/metrics", timeout=5)
    finally:
        stop()
    assert reply.status_code == 200
    assert value(samples_of(reply.text), "taskflow_queue_depth") == 2
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{metrics.served_port}/metrics", timeout=1)


@pytest.fixture
def worker_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    env = {
        key: val
        for key, val in os.environ.items()
        if not key.startswith(("TASKFLOW_", "DATABASE_", "REDIS_", "SMTP_", "JWT_", "REFRESH_"))
    }
    env["TASKFLOW_DATA_DIR"] = str(tmp_path / "data")
    command = [sys.executable, "-m", "taskflow", "worker", "--metrics-port", str(port)]
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        log.close()


@pytest.mark.slow
@pytest.mark.sqlite
def test_taskflow_worker_serves_its_queue_depth(
    worker_process: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    process, port = worker_process
    deadline = time.monotonic() + 30
    reply = None
    while time.monotonic() < deadline and process.poll() is None:
        try:
            reply = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert reply is not None, log
    samples = samples_of(reply.text)
    assert value(samples, "taskflow_queue_depth") == 0
    assert value(samples, "taskflow_outbox_unpublished_events") == 0
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0, log
