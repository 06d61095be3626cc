"""One blueprint per area; ``AREAS`` maps each area's name to its blueprint."""

from flask import Blueprint

from taskflow.adapters.flask.blueprints import auth, comments, notifications, ops, tasks, teams

__all__ = ["AREAS", "auth", "comments", "notifications", "ops", "tasks", "teams"]

AREAS: dict[str, Blueprint] = {
    "auth": auth.blueprint,
    "teams": teams.blueprint,
    "tasks": tasks.blueprint,
    "comments": comments.blueprint,
    "notifications": notifications.blueprint,
}
"""The blueprints ``TaskFlowExtension`` can register, by area. ``ops`` (/health, /ready)
is always registered."""
