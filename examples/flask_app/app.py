"""The Flask reference server: taskflow set up on your own Flask app.

    pip install 'taskflow-embed[flask,sqlalchemy]'
    waitress-serve app:app             # from this folder (or: flask --app app run)

Configuration comes from the environment (or a .env file): with nothing set, a SQLite
file in ./taskflow-data, mail as .eml files in ./taskflow-data/mail and generated
secrets. See docs/configuration.md for DATABASE_URL, REDIS_URL, SMTP_*, JWT_SECRET...

Mail and in-app notifications are sent by the worker: run `taskflow worker` beside it
(or use `taskflow serve --app flask`, which runs this same app with the worker in a thread).
"""

from flask import Flask

from taskflow import TaskFlow
from taskflow.adapters.flask import TaskFlowExtension
from taskflow.adapters.web import WebConfig
from taskflow.settings import Settings

settings = Settings()
tf = TaskFlow.from_settings(settings)

app = Flask(__name__)
TaskFlowExtension(app, tf, WebConfig.from_settings(settings))
