"""Domain objects → the response models of ``schemas`` (one function per kind)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from pydantic_core import to_json

from taskflow.adapters.web.schemas import (
    CommentOut,
    CookieLoginOut,
    InviteOut,
    LoginOut,
    MemberOut,
    NotificationOut,
    PreferencesOut,
    ProfileOut,
    PushSubscriptionOut,
    SessionOut,
    SignupOut,
    TaskOut,
    TeamOut,
    UserOut,
    UserRefOut,
    UserWithTeamsOut,
)
from taskflow.domain.notifications import (
    Notification,
    NotificationPreferences,
    NotificationType,
    PushSubscription,
)
from taskflow.notifications.routing import PUSH_TYPES
from taskflow.services.read_models import (
    AccountProfile,
    AuthResult,
    CommentView,
    InviteInfo,
    MemberInfo,
    SessionInfo,
    TaskView,
    UserProfile,
)

__all__ = [
    "comment_out",
    "cookie_login_out",
    "invite_out",
    "login_out",
    "member_out",
    "notification_out",
    "preferences_out",
    "profile_out",
    "push_subscription_out",
    "session_out",
    "signup_out",
    "task_json",
    "task_out",
    "task_page_json",
    "user_with_teams_out",
]


def user_with_teams_out(user: UserProfile) -> UserWithTeamsOut:
    return UserWithTeamsOut(
        id=user.id,
        email=user.email,
        name=user.name,
        email_verified=user.email_verified,
        created_at=user.created_at,
        teams=[TeamOut.of(team) for team in user.teams],
    )


def profile_out(account: AccountProfile) -> ProfileOut:
    return ProfileOut(
        **dict(user_with_teams_out(account.profile)),
        language=account.language,
        timezone=account.timezone,
        deletion_due_at=account.deletion_due_at,
    )


def signup_out(result: AuthResult) -> SignupOut:
    """The seed's signup answer: ``{user: {id, email, name}, token}`` (+ refresh_token)."""
    user = result.user
    return SignupOut(
        user=UserOut(id=user.id, email=user.email, name=user.name),
        token=result.token,
        refresh_token=result.refresh_token,
    )


def login_out(result: AuthResult) -> LoginOut:
    """The seed's login answer: ``{user: {..., teams}, token, refresh_token}``."""
    return LoginOut(
        user=user_with_teams_out(result.user),
        token=result.token,
        refresh_token=result.refresh_token,
    )


def cookie_login_out(result: AuthResult) -> CookieLoginOut:
    """The web client's login answer: the refresh token goes in a cookie instead."""
    return CookieLoginOut(user=user_with_teams_out(result.user), token=result.token)


def session_out(session: SessionInfo, current_session_id: UUID | None) -> SessionOut:
    return SessionOut(
        id=session.id,
        created_at=session.created_at,
        last_used_at=session.last_used_at,
        expires_at=session.expires_at,
        current=session.id == current_session_id,
    )


def task_out(task: TaskView) -> TaskOut:
    return TaskOut(
        id=task.id,
        team_id=task.team_id,
        title=task.title,
        description=task.description,
        status=task.status.value,
        priority=task.priority.value,
        assignee=UserRefOut.of(task.assignee) if task.assignee is not None else None,
        created_by=task.created_by,
        due_date=task.due_date,
        completed_at=task.completed_at,
        created_at=task.created_at,
        updated_at=task.updated_at,
        version=task.version,
    )


def _task_fields(task: TaskView) -> dict[str, Any]:
    # TaskOut's fields, in its order, as the Python values pydantic serializes them from
    # (UUID, date, datetime): pydantic_core's to_json writes them exactly as
    # TaskOut.model_dump_json does (tests/http/test_task_json.py compares the two).
    assignee = task.assignee
    return {
        "id": task.id,
        "team_id": task.team_id,
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "assignee": None if assignee is None else {"id": assignee.id, "name": assignee.name},
        "created_by": task.created_by,
        "due_date": task.due_date,
        "completed_at": task.completed_at,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "version": task.version,
    }


def task_json(task: TaskView) -> bytes:
    """``task_out(task)`` as JSON bytes, without building and validating the model."""
    return to_json(_task_fields(task))


def task_page_json(items: Iterable[TaskView], next_cursor: str | None) -> bytes:
    """``PageOut[TaskOut]`` of ``items`` as JSON bytes, for the busiest list endpoints:
    validating a model per task built from typed domain objects was most of the cost
    of answering a page (docs/benchmarks.md)."""
    return to_json({"items": [_task_fields(task) for task in items], "next_cursor": next_cursor})


def comment_out(comment: CommentView) -> CommentOut:
    return CommentOut(
        id=comment.id,
        task_id=comment.task_id,
        author=UserRefOut.of(comment.author),
        content=comment.content,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
    )


def member_out(member: MemberInfo) -> MemberOut:
    return MemberOut(
        user_id=member.user_id,
        name=member.name,
        email=member.email,
        role=member.role.value,
        joined_at=member.joined_at,
    )


def invite_out(invite: InviteInfo) -> InviteOut:
    return InviteOut(
        id=invite.id,
        team_id=invite.team_id,
        email=invite.email,
        role=invite.role.value,
        expires_at=invite.expires_at,
        created_by=invite.created_by,
        created_at=invite.created_at,
    )


def notification_out(notification: Notification) -> NotificationOut:
    return NotificationOut(
        id=notification.id,
        type=notification.type.value,
        text=notification.text,
        data=notification.data,
        created_at=notification.created_at,
        read_at=notification.read_at,
        archived_at=notification.archived_at,
    )


def preferences_out(preferences: NotificationPreferences) -> PreferencesOut:
    return PreferencesOut(
        email={kind.value: preferences.wants_email(kind) for kind in NotificationType},
        push={kind.value: preferences.wants_push(kind) for kind in PUSH_TYPES},
        quiet_hours_start=preferences.quiet_hours_start,
        quiet_hours_end=preferences.quiet_hours_end,
        timezone=preferences.timezone,
        language=preferences.language,
    )


def push_subscription_out(subscription: PushSubscription) -> PushSubscriptionOut:
    return PushSubscriptionOut(
        id=subscription.id, endpoint=subscription.endpoint, created_at=subscription.created_at
    )
