"""Notifications: which event reaches whom, on which channel (email, in-app), rendered
from Jinja2 templates in the user's language, delivered once with retries, quiet hours
and a rate limit. ``docs/notifications.md`` tells the whole story.

The core imports no mail library: mail goes out through the ``Mailer`` port
(``taskflow.adapters.smtp`` for SMTP, ``taskflow.adapters.mail_files`` for ``.eml`` files).
"""

from taskflow.domain.notifications import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreferences,
    NotificationType,
)
from taskflow.notifications.config import NotificationConfig
from taskflow.notifications.routing import ROUTES, Route
from taskflow.notifications.service import NotificationService
from taskflow.notifications.templates import RenderedMail, TemplateRenderer

__all__ = [
    "ROUTES",
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "Notification",
    "NotificationConfig",
    "NotificationPreferences",
    "NotificationService",
    "NotificationType",
    "RenderedMail",
    "Route",
    "TemplateRenderer",
]
