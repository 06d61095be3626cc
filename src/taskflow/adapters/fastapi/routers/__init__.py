"""One router per area; ``AREAS`` maps each area's name to its router."""

from fastapi import APIRouter

from taskflow.adapters.fastapi.routers import auth, comments, notifications, ops, tasks, teams

__all__ = ["AREAS", "auth", "comments", "notifications", "ops", "tasks", "teams"]

AREAS: dict[str, APIRouter] = {
    "auth": auth.router,
    "teams": teams.router,
    "tasks": tasks.router,
    "comments": comments.router,
    "notifications": notifications.router,
}
"""The routers ``mount_taskflow`` can include, by area. ``ops`` (/health, /ready) is
always included."""
