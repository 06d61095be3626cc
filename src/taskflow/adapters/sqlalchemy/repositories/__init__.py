"""SQLAlchemy Core repositories, one module per area: ``auth`` (users, login failures,
one-time tokens), ``teams`` (teams, memberships, invites), ``tasks`` (tasks, comments,
activity), ``notifications`` and ``exports`` (data export requests). ``base`` holds what
they share; the task list's keyset query is built in
``taskflow.adapters.sqlalchemy.keyset``."""

from taskflow.adapters.sqlalchemy.repositories.auth import (
    SqlEmailChangeRepository,
    SqlLoginFailureRepository,
    SqlOneTimeTokenRepository,
    SqlUserRepository,
)
from taskflow.adapters.sqlalchemy.repositories.base import ConnectionSource
from taskflow.adapters.sqlalchemy.repositories.exports import SqlDataExportRepository
from taskflow.adapters.sqlalchemy.repositories.notifications import (
    SqlDeliveryRepository,
    SqlDueSoonRepository,
    SqlNotificationRepository,
    SqlPreferenceRepository,
    SqlPushSubscriptionRepository,
)
from taskflow.adapters.sqlalchemy.repositories.tasks import (
    SqlActivityRepository,
    SqlCommentRepository,
    SqlTaskRepository,
)
from taskflow.adapters.sqlalchemy.repositories.teams import (
    SqlInviteRepository,
    SqlMembershipRepository,
    SqlTeamRepository,
)

__all__ = [
    "ConnectionSource",
    "SqlDataExportRepository",
    "SqlActivityRepository",
    "SqlCommentRepository",
    "SqlDeliveryRepository",
    "SqlDueSoonRepository",
    "SqlInviteRepository",
    "SqlLoginFailureRepository",
    "SqlMembershipRepository",
    "SqlNotificationRepository",
    "SqlEmailChangeRepository",
    "SqlOneTimeTokenRepository",
    "SqlPreferenceRepository",
    "SqlPushSubscriptionRepository",
    "SqlTaskRepository",
    "SqlTeamRepository",
    "SqlUserRepository",
]
