"""The caller's in-app notifications, notification preferences and Web Push devices."""

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
    PushKeyOut,
    PushSubscriptionIn,
    PushSubscriptionListOut,
    PushUnsubscribeIn,
    UnreadCountOut,
    page_of,
)
from taskflow.adapters.web.serializers import (
    notification_out,
    preferences_out,
    push_subscription_out,
)

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


@blueprint.get("/notifications/push/key")
def push_key() -> Response:
    current_principal()  # signed-in callers only, like every /notifications route
    return reply(PushKeyOut(public_key=get_taskflow().notifications.push_public_key()))


@blueprint.get("/notifications/push/subscriptions")
def push_subscriptions() -> Response:
    principal = current_principal()
    items = get_taskflow().notifications.push_subscriptions(principal.user_id)
    return reply(PushSubscriptionListOut(items=[push_subscription_out(item) for item in items]))


@blueprint.post("/notifications/push/subscriptions")
def subscribe_push() -> Response:
    principal = current_principal()
    body = parse_body(PushSubscriptionIn)
    stored = get_taskflow().notifications.subscribe_push(
        principal.user_id, endpoint=body.endpoint, p256dh=body.keys.p256dh, auth=body.keys.auth
    )
    return reply(push_subscription_out(stored), 201)


@blueprint.delete("/notifications/push/subscriptions/<subscription_id>")
def unsubscribe_push(subscription_id: str) -> Response:
    principal = current_principal()
    subscription_uuid = path_uuid(subscription_id, "subscription_id")
    get_taskflow().notifications.unsubscribe_push(principal.user_id, subscription_uuid)
    return reply(None, 204)


@blueprint.post("/notifications/push/unsubscribe")
def unsubscribe_push_endpoint() -> Response:
    principal = current_principal()
    body = parse_body(PushUnsubscribeIn)
    get_taskflow().notifications.unsubscribe_push_endpoint(principal.user_id, body.endpoint)
    return reply(None, 204)


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
