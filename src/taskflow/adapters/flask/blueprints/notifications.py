"""The caller's in-app notifications and notification preferences."""

from __future__ import annotations

from flask import Response

from taskflow.adapters.flask.edge import taskflow_blueprint
from taskflow.adapters.flask.helpers import (
    current_principal,
    get_taskflow,
    parse_body,
    parse_query,
    path_uuid,
    rate_limit,
    reply,
)
from taskflow.adapters.web.schemas import (
    MarkedReadOut,
    NotificationListQuery,
    PreferencesIn,
    UnreadCountOut,
    page_of,
)
from taskflow.adapters.web.serializers import notification_out, preferences_out

__all__ = ["blueprint"]

blueprint = taskflow_blueprint("taskflow_notifications", __name__)
blueprint.before_request(rate_limit)


@blueprint.get("/notifications")
def list_notifications() -> Response:
    principal = current_principal()
    query = parse_query(NotificationListQuery)
    page = get_taskflow().notifications.list(principal.user_id, **query.model_dump())
    return reply(page_of(page.items, notification_out, page.next_cursor))


@blueprint.get("/notifications/unread-count")
def unread_count() -> Response:
    principal = current_principal()
    return reply(
        UnreadCountOut(unread=get_taskflow().notifications.unread_count(principal.user_id))
    )


@blueprint.post("/notifications/read-all")
def mark_all_read() -> Response:
    principal = current_principal()
    marked = get_taskflow().notifications.mark_all_read(principal.user_id)
    return reply(MarkedReadOut(marked_read=marked))


@blueprint.post("/notifications/<notification_id>/read")
def mark_read(notification_id: str) -> Response:
    principal = current_principal()
    notification_uuid = path_uuid(notification_id, "notification_id")
    return reply(
        notification_out(
            get_taskflow().notifications.mark_read(principal.user_id, notification_uuid)
        )
    )


@blueprint.post("/notifications/<notification_id>/archive")
def archive(notification_id: str) -> Response:
    principal = current_principal()
    notification_uuid = path_uuid(notification_id, "notification_id")
    get_taskflow().notifications.archive(principal.user_id, notification_uuid)
    return reply(None, 204)


@blueprint.get("/notifications/preferences")
def get_preferences() -> Response:
    principal = current_principal()
    return reply(preferences_out(get_taskflow().notifications.get_preferences(principal.user_id)))


@blueprint.put("/notifications/preferences")
def update_preferences() -> Response:
    principal = current_principal()
    body = parse_body(PreferencesIn)
    updated = get_taskflow().notifications.update_preferences(principal.user_id, **body.changes())
    return reply(preferences_out(updated))
