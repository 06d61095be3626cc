"""Greenhouse in production, with taskflow:
``flask --app 'greenhouse.wsgi:create_production_app()' run`` (or any WSGI server:
``waitress-serve --call greenhouse.wsgi:create_production_app``).

Greenhouse's settings (``DATABASE_URL``, ``GREENHOUSE_SECRET_KEY``) and taskflow's (the
same ``DATABASE_URL``, ``TASKFLOW_DATA_KEYS``, ``TASKFLOW_APP_URL``, ``SMTP_*``...: see
taskflow's docs/configuration.md) come from the environment. taskflow's worker (mails,
in-app notifications) runs in this process when ``GREENHOUSE_TASKFLOW_WORKER=inline``;
otherwise run ``taskflow worker`` beside the app.
"""

from __future__ import annotations

import atexit
import os

from flask import Flask

from greenhouse import create_app
from greenhouse.directory import GreenhouseUserDirectory
from greenhouse.models import Database
from taskflow import TaskFlow
from taskflow.bootstrap import build_worker
from taskflow.settings import Settings


def create_production_app() -> Flask:
    try:
        config = {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "SECRET_KEY": os.environ["GREENHOUSE_SECRET_KEY"],
            "SESSION_COOKIE_SECURE": os.environ.get("GREENHOUSE_HTTPS_ONLY", "0") == "1",
        }
    except KeyError as missing:
        raise SystemExit(f"Greenhouse needs the environment variable {missing}.") from None
    db = Database(os.environ["DATABASE_URL"])
    atexit.register(db.close)  # atexit runs in reverse: the worker stops first
    settings = Settings()
    tf = TaskFlow.from_settings(settings, directory=GreenhouseUserDirectory(db))
    atexit.register(tf.close)
    if os.environ.get("GREENHOUSE_TASKFLOW_WORKER") == "inline":
        worker = build_worker(tf, settings)
        worker.start()
        atexit.register(worker.stop, timeout=10)
    return create_app(config, db, tf)
