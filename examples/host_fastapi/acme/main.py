"""Acme in production, with taskflow: ``uvicorn --factory acme.main:create_production_app``.

Acme's settings (``DATABASE_URL``, ``ACME_SECRET_KEY``) and taskflow's (the same
``DATABASE_URL``, ``TASKFLOW_DATA_KEYS``, ``TASKFLOW_APP_URL``, ``SMTP_*``...: see
taskflow's docs/configuration.md) come from the environment. taskflow's worker (mails,
in-app notifications) runs in this process when ``ACME_TASKFLOW_WORKER=inline``;
otherwise run ``taskflow worker`` beside the app.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from acme.app import create_app
from acme.config import AcmeConfig
from acme.directory import AcmeUserDirectory
from acme.models import Database
from taskflow import TaskFlow
from taskflow.bootstrap import build_worker
from taskflow.settings import Settings


def create_production_app() -> FastAPI:
    config = AcmeConfig.from_env()
    db = Database(config.database_url)
    settings = Settings()
    tf = TaskFlow.from_settings(settings, directory=AcmeUserDirectory(db))
    inline_worker = os.environ.get("ACME_TASKFLOW_WORKER") == "inline"
    worker = build_worker(tf, settings) if inline_worker else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop(timeout=10)
            tf.close()
            db.close()

    return create_app(config, db, tf, lifespan=lifespan)
