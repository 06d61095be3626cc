"""A host application's Celery app, as the Celery fault test runs it
(``celery -A celery_host worker -B``): taskflow's tasks installed on it, its beat schedule
merged. The broker and the queue come from ``HOST_CELERY_BROKER`` and
``HOST_CELERY_QUEUE`` (the host's own variables); taskflow reads its usual settings."""

from __future__ import annotations

import os

from celery import Celery

from taskflow import TaskFlow
from taskflow.adapters.celery import install

app = Celery("taskflow-test-host", broker=os.environ["HOST_CELERY_BROKER"])
app.conf.update(
    task_default_queue=os.environ["HOST_CELERY_QUEUE"],
    broker_connection_retry_on_startup=True,
    broker_transport_options={"confirm_publish": True},
    worker_enable_remote_control=False,
    task_ignore_result=True,
    beat_schedule={"host-job": {"task": "host.nothing", "schedule": 3600.0}},
)


@app.task(name="host.nothing", shared=False)
def nothing() -> None:
    """The host's own periodic task: taskflow's entries are merged next to it."""


taskflow_tasks = install(app, TaskFlow.from_settings, relay_interval=0.5, delivery_interval=1.0)
app.conf.beat_schedule = {**taskflow_tasks.beat_schedule(), **app.conf.beat_schedule}
