"""The FastAPI reference server: taskflow mounted on your own FastAPI app.

    pip install 'taskflow-embed[fastapi,sqlalchemy]'
    uvicorn app:app                    # from this folder

Configuration comes from the environment (or a .env file): with nothing set, a SQLite
file in ./taskflow-data, mail as .eml files in ./taskflow-data/mail and generated
secrets. See docs/configuration.md for DATABASE_URL, REDIS_URL, SMTP_*, JWT_SECRET...

Mail and in-app notifications are sent by the worker: run `taskflow worker` beside it
(or use `taskflow serve`, which runs this same app with the worker in a thread).
"""

from fastapi import FastAPI

from taskflow import TaskFlow
from taskflow.adapters.fastapi import mount_taskflow
from taskflow.adapters.web import WebConfig
from taskflow.settings import Settings

settings = Settings()
tf = TaskFlow.from_settings(settings)

app = FastAPI(title="TaskFlow")
mount_taskflow(app, tf, WebConfig.from_settings(settings))
