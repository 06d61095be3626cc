"""taskflow on Flask: ``TaskFlowExtension(app, tf)`` serves the whole REST API.

    from flask import Flask
    from taskflow import TaskFlow
    from taskflow.adapters.flask import TaskFlowExtension

    app = Flask(__name__)
    TaskFlowExtension(app, TaskFlow.from_settings())

Or ``ext = TaskFlowExtension()`` then ``ext.init_app(app, tf)`` in an application factory;
``areas=["auth", "tasks"]`` registers only some blueprints; ``current_principal()`` and
``get_taskflow()`` serve your own views.
"""

from taskflow.adapters.flask.blueprints import AREAS
from taskflow.adapters.flask.client import register_client
from taskflow.adapters.flask.extension import TaskFlowExtension, create_app
from taskflow.adapters.flask.helpers import current_principal, get_taskflow

__all__ = [
    "AREAS",
    "TaskFlowExtension",
    "create_app",
    "current_principal",
    "get_taskflow",
    "register_client",
]
