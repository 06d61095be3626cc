"""The caller's in-app notifications, notification preferences and Web Push devices."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from taskflow.adapters.fastapi.dependencies import (
    CurrentPrincipal,
    TaskFlowDep,
    error_responses,
    rate_limit,
)
from taskflow.adapters.fastapi.routing import TaskflowRoute, operation_id
from taskflow.adapters.web.schemas import (
    MarkedReadOut,
    NotificationListQuery,
    NotificationOut,
    PageOut,
    PreferencesIn,
    PreferencesOut,
    PushKeyOut,
    PushSubscriptionIn,
    PushSubscriptionListOut,
    PushSubscriptionOut,
    PushUnsubscribeIn,
    UnreadCountOut,
    page_of,
)
from taskflow.adapters.web.serializers import (
    notification_out,
    preferences_out,
    push_subscription_out,
)

__all__ = ["router"]

router = APIRouter(
    tags=["notifications"],
    dependencies=[Depends(rate_limit)],
    route_class=TaskflowRoute,
    generate_unique_id_function=operation_id,
)


@router.get("/notifications", responses=error_responses(400, 401))
def list_notifications(
    query: Annotated[NotificationListQuery, Query()], principal: CurrentPrincipal, tf: TaskFlowDep
) -> PageOut[NotificationOut]:
    """The caller's notifications, newest first."""
    page = tf.notifications.list(principal.user_id, **query.model_dump())
    return page_of(page.items, notification_out, page.next_cursor)


@router.get(
    "/notifications/unread-count", operation_id="getUnreadCount", responses=error_responses(401)
)
def unread_count(principal: CurrentPrincipal, tf: TaskFlowDep) -> UnreadCountOut:
    return UnreadCountOut(unread=tf.notifications.unread_count(principal.user_id))


@router.post(
    "/notifications/read-all",
    operation_id="markAllNotificationsRead",
    responses=error_responses(401),
)
def mark_all_read(principal: CurrentPrincipal, tf: TaskFlowDep) -> MarkedReadOut:
    return MarkedReadOut(marked_read=tf.notifications.mark_all_read(principal.user_id))


# --- Web Push (before /notifications/{id}/...: "push" is not a notification id) ---------


@router.get(
    "/notifications/push/key", operation_id="getPushKey", responses=error_responses(401, 404)
)
def push_key(principal: CurrentPrincipal, tf: TaskFlowDep) -> PushKeyOut:
    """The VAPID public key to subscribe with (404 push_unavailable: no push here)."""
    del principal  # signed-in callers only, like every /notifications route
    return PushKeyOut(public_key=tf.notifications.push_public_key())


@router.get(
    "/notifications/push/subscriptions",
    operation_id="listPushSubscriptions",
    responses=error_responses(401),
)
def push_subscriptions(principal: CurrentPrincipal, tf: TaskFlowDep) -> PushSubscriptionListOut:
    """The caller's devices, oldest first."""
    items = tf.notifications.push_subscriptions(principal.user_id)
    return PushSubscriptionListOut(items=[push_subscription_out(item) for item in items])


@router.post(
    "/notifications/push/subscriptions",
    status_code=201,
    responses=error_responses(400, 401, 404, 413),
)
def subscribe_push(
    body: PushSubscriptionIn, principal: CurrentPrincipal, tf: TaskFlowDep
) -> PushSubscriptionOut:
    """Receive push on this device: the body is the browser's PushSubscription.toJSON()."""
    stored = tf.notifications.subscribe_push(
        principal.user_id, endpoint=body.endpoint, p256dh=body.keys.p256dh, auth=body.keys.auth
    )
    return push_subscription_out(stored)


@router.delete(
    "/notifications/push/subscriptions/{subscription_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 404),
)
def unsubscribe_push(subscription_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    tf.notifications.unsubscribe_push(principal.user_id, subscription_id)


@router.post(
    "/notifications/push/unsubscribe",
    operation_id="unsubscribePushByEndpoint",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 413),
)
def unsubscribe_push_endpoint(
    body: PushUnsubscribeIn, principal: CurrentPrincipal, tf: TaskFlowDep
) -> None:
    """Stop push to the device of this endpoint (idempotent)."""
    tf.notifications.unsubscribe_push_endpoint(principal.user_id, body.endpoint)


@router.post(
    "/notifications/{notification_id}/read",
    operation_id="markNotificationRead",
    responses=error_responses(400, 401, 404),
)
def mark_read(
    notification_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep
) -> NotificationOut:
    return notification_out(tf.notifications.mark_read(principal.user_id, notification_id))


@router.post(
    "/notifications/{notification_id}/archive",
    operation_id="archiveNotification",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 401, 404),
)
def archive(notification_id: UUID, principal: CurrentPrincipal, tf: TaskFlowDep) -> None:
    """Hide a notification from the default list."""
    tf.notifications.archive(principal.user_id, notification_id)


@router.get(
    "/notifications/preferences",
    operation_id="getNotificationPreferences",
    responses=error_responses(401),
)
def get_preferences(principal: CurrentPrincipal, tf: TaskFlowDep) -> PreferencesOut:
    return preferences_out(tf.notifications.get_preferences(principal.user_id))


@router.put(
    "/notifications/preferences",
    operation_id="updateNotificationPreferences",
    responses=error_responses(400, 401, 413),
)
def update_preferences(
    body: PreferencesIn, principal: CurrentPrincipal, tf: TaskFlowDep
) -> PreferencesOut:
    """Change the fields sent (mail per type, quiet hours, time zone, language)."""
    updated = tf.notifications.update_preferences(principal.user_id, **body.changes())
    return preferences_out(updated)
