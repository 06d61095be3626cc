"""The caller's in-app notifications and notification preferences."""

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
    UnreadCountOut,
    page_of,
)
from taskflow.adapters.web.serializers import notification_out, preferences_out

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
