"""Who is told about an event, on which channels: the seed's table (section 7).

=====================  =====================  ===============  ==========================
event                  notification type      channels         recipient
=====================  =====================  ===============  ==========================
task.assigned          task.assigned          email, in-app,   the assignee (not when they
                                              push             assigned the task themself)
task.completed         task.completed         in-app, push     the task's creator (not when
                                                               they completed it themself)
task.due_soon          task.due_soon          email, in-app,   the assignee (if the task is
                                              push             still theirs, open, due then)
invite.created         invite.created         email, push      the invited address (push: if
                                                               it is a user's)
user.signup            user.welcome           email            the new user
user.verify_email      user.verify_email      email            that user (with the link)
user.password_reset    user.password_reset    email            that user (with the link)
user.email_change      user.email_change      email            the NEW address (with the
                                                               confirmation link)
user.email_changed     user.email_changed     email            the OLD address (with the
                                                               undo link)
user.deletion_request  user.deletion_request  email            that user (the erasure's
ed                     ed                                      date, a link to log in)
comment.added          comment.mentioned      email, in-app,   each member of the task's team
                                              push             the comment mentions
                       comment.added          email, in-app,   the task's creator and
                                              push             assignee (unless mentioned)
comment.edited         comment.mentioned      email, in-app,   each member the edit
                                              push             mentions for the first time
user.data_export       user.data_export       email            that user (the export
                                                               attached, built when sent)
=====================  =====================  ===============  ==========================

The author of a comment is never told of it. A mention is the token ``@[user:<uuid>]``
(``taskflow.domain.mentions``); the mail quotes the comment (up to
``COMMENT_EXCERPT_LENGTH`` characters) with each token shown as ``@Name``.

The links open the web client's pages: ``NotificationConfig``'s ``app_url`` followed by
``task_path`` (``/tasks/{id}``), ``invite_path`` (``/invites/accept?token=``),
``verify_email_path``, ``reset_password_path``, ``email_change_path`` or
``email_change_undo_path`` (settings ``TASKFLOW_*_LINK_PATH``).

Push goes to the devices a user subscribed (none: no push), for the types they did not
turn off. Any other event (``task.created``...) notifies nobody. Routing reads the current rows
(task title, names) inside the caller's unit of work; a task deleted in the meantime, or
a user who no longer exists (or was erased), gets nothing; nor does anyone no longer in
the task's team.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final
from uuid import UUID

import attrs
from attrs import frozen

from taskflow.domain.mentions import mentioned_ids, replace_mentions
from taskflow.domain.models import Comment, Event, Task, TaskStatus, User
from taskflow.domain.notifications import Channel, NotificationType
from taskflow.events import (
    COMMENT_ADDED,
    COMMENT_EDITED,
    INVITE_CREATED,
    TASK_ASSIGNED,
    TASK_COMPLETED,
    TASK_DUE_SOON,
    USER_DATA_EXPORT,
    USER_DELETION_REQUESTED,
    USER_EMAIL_CHANGE_REQUESTED,
    USER_EMAIL_CHANGED,
    USER_PASSWORD_RESET,
    USER_SIGNUP,
    USER_VERIFY_EMAIL,
)
from taskflow.notifications.config import NotificationConfig
from taskflow.notifications.secret_links import SEALED_TOKEN, stored_link
from taskflow.ports.unit_of_work import UnitOfWork

__all__ = [
    "COMMENT_EXCERPT_LENGTH",
    "PUSH_TYPES",
    "ROUTES",
    "Planned",
    "Route",
    "plan_notifications",
]

EMAIL_IN_APP_PUSH: Final = (Channel.EMAIL, Channel.IN_APP, Channel.PUSH)
COMMENT_EXCERPT_LENGTH: Final = 500


@frozen
class Route:
    """One row of the table: the event, the type it becomes, and its channels."""

    event: str
    type: NotificationType
    channels: tuple[Channel, ...]


ROUTES: Final = (
    Route(TASK_ASSIGNED, NotificationType.TASK_ASSIGNED, EMAIL_IN_APP_PUSH),
    Route(TASK_COMPLETED, NotificationType.TASK_COMPLETED, (Channel.IN_APP, Channel.PUSH)),
    Route(TASK_DUE_SOON, NotificationType.TASK_DUE_SOON, EMAIL_IN_APP_PUSH),
    Route(INVITE_CREATED, NotificationType.INVITE_CREATED, (Channel.EMAIL, Channel.PUSH)),
    Route(USER_SIGNUP, NotificationType.USER_WELCOME, (Channel.EMAIL,)),
    Route(USER_VERIFY_EMAIL, NotificationType.USER_VERIFY_EMAIL, (Channel.EMAIL,)),
    Route(USER_PASSWORD_RESET, NotificationType.USER_PASSWORD_RESET, (Channel.EMAIL,)),
    Route(USER_EMAIL_CHANGE_REQUESTED, NotificationType.USER_EMAIL_CHANGE, (Channel.EMAIL,)),
    Route(USER_EMAIL_CHANGED, NotificationType.USER_EMAIL_CHANGED, (Channel.EMAIL,)),
    Route(USER_DELETION_REQUESTED, NotificationType.USER_DELETION_REQUESTED, (Channel.EMAIL,)),
    Route(COMMENT_ADDED, NotificationType.COMMENT_ADDED, EMAIL_IN_APP_PUSH),
    Route(COMMENT_EDITED, NotificationType.COMMENT_MENTIONED, EMAIL_IN_APP_PUSH),
    Route(USER_DATA_EXPORT, NotificationType.USER_DATA_EXPORT, (Channel.EMAIL,)),
)
_ROUTE_OF_EVENT: Final = {route.event: route for route in ROUTES}
PUSH_TYPES: Final = tuple(route.type for route in ROUTES if Channel.PUSH in route.channels)
"""The types a user may get by push (and turn off, per type)."""


@frozen
class Planned:
    """One recipient of an event: who, where to mail them, on which channels, and the
    template variables. ``recipient`` is the user id as text, or the email address of
    someone without an account."""

    type: NotificationType
    channels: tuple[Channel, ...]
    recipient: str
    user_id: UUID | None
    email: str | None
    context: dict[str, Any]


def plan_notifications(
    event: Event, uow: UnitOfWork, config: NotificationConfig
) -> Sequence[Planned]:
    """The recipients of ``event`` (empty for an event nobody is told about); the links
    are built as ``config`` says."""
    route = _ROUTE_OF_EVENT.get(event.name)
    if route is None:
        return ()
    planner = _PLANNERS[route.type]
    planned = planner(route, event.payload, uow, config)
    # An erased account is told nothing (its stand-in row has no address to write to).
    return tuple(p for p in planned if p.user_id is None or not _erased(uow, p.user_id))


def _erased(uow: UnitOfWork, user_id: UUID) -> bool:
    user = uow.users.get(user_id)
    return user is None or user.is_erased


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def _for_user(
    route: Route,
    user: User,
    context: dict[str, Any],
    notification_type: NotificationType | None = None,
) -> Planned:
    return Planned(
        type=notification_type or route.type,
        channels=route.channels,
        recipient=str(user.id),
        user_id=user.id,
        email=user.email,
        context={"recipient_name": user.name, **context},
    )


def _task_context(config: NotificationConfig, task: Task) -> dict[str, Any]:
    return {
        "title": task.title,
        "task_id": str(task.id),
        "team_id": str(task.team_id),
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "link": config.task_link(task.id),
    }


def _name_of(uow: UnitOfWork, user_id: UUID | None) -> str:
    user = uow.users.get(user_id) if user_id is not None else None
    return user.name if user is not None else ""


def _assigned(
    route: Route, payload: dict[str, Any], uow: UnitOfWork, config: NotificationConfig
) -> Sequence[Planned]:
    assignee_id, assigned_by = _uuid(payload.get("assignee_id")), _uuid(payload.get("assigned_by"))
    task_id = _uuid(payload.get("task_id"))
    if assignee_id is None or task_id is None or assignee_id == assigned_by:
        return ()
    task, assignee = uow.tasks.get(task_id), uow.users.get(assignee_id)
    if task is None or assignee is None or not _in_team(uow, task, assignee_id):
        return ()
    context = {**_task_context(config, task), "assigned_by": _name_of(uow, assigned_by)}
    return (_for_user(route, assignee, context),)


def _completed(
    route: Route, payload: dict[str, Any], uow: UnitOfWork, config: NotificationConfig
) -> Sequence[Planned]:
    creator_id, completer_id = _uuid(payload.get("created_by")), _uuid(payload.get("completed_by"))
    task_id = _uuid(payload.get("task_id"))
    if creator_id is None or task_id is None or creator_id == completer_id:
        return ()
    task, creator = uow.tasks.get(task_id), uow.users.get(creator_id)
    if task is None or creator is None or not _in_team(uow, task, creator_id):
        return ()
    context = {**_task_context(config, task), "user": _name_of(uow, completer_id)}
    return (_for_user(route, creator, context),)


def _in_team(uow: UnitOfWork, task: Task, user_id: UUID) -> bool:
    """Whether ``user_id`` is (still) a member of the task's team. Someone who left or was
    removed keeps a done task's assignment or their authorship: they are told nothing
    about the task any more (its title is the team's business)."""
    return uow.members.get(task.team_id, user_id) is not None


def _due_soon(
    route: Route, payload: dict[str, Any], uow: UnitOfWork, config: NotificationConfig
) -> Sequence[Planned]:
    task_id, assignee_id = _uuid(payload.get("task_id")), _uuid(payload.get("assignee_id"))
    if task_id is None or assignee_id is None:
        return ()
    task, assignee = uow.tasks.get(task_id), uow.users.get(assignee_id)
    if task is None or assignee is None or not _in_team(uow, task, assignee_id):
        return ()
    context = _task_context(config, task)
    # Changed since the job announced it (done, moved, given to someone else): the
    # announcement no longer holds; the job announces a new due date by itself.
    still_due = task.status is not TaskStatus.DONE and task.assignee_id == assignee_id
    if not still_due or context["due_date"] != payload.get("due_date"):
        return ()
    return (_for_user(route, assignee, context),)


def _invited(
    route: Route, payload: dict[str, Any], uow: UnitOfWork, config: NotificationConfig
) -> Sequence[Planned]:
    email = str(payload.get("email") or "").strip().lower()
    sealed_token = str(payload.get(SEALED_TOKEN) or "")
    if not email or not sealed_token:
        return ()
    invite_id = _uuid(payload.get("invite_id"))
    if invite_id is not None and uow.invites.get(invite_id) is None:
        return ()  # gone since (its team deleted, or its invitee's account erased)
    context = {
        "team": str(payload.get("team_name") or ""),
        "role": str(payload.get("role") or "member"),
        "invited_by": _name_of(uow, _uuid(payload.get("invited_by"))),
        **stored_link(config.link(config.invite_path), sealed_token),
    }
    user = uow.users.get_by_email(email)
    if user is not None:  # an existing user reads it in their language
        return (_for_user(route, user, context),)
    return (
        Planned(
            type=route.type,
            channels=route.channels,
            recipient=email,
            user_id=None,
            email=email,
            context={"recipient_name": "", **context},
        ),
    )


def _user_mail(
    path_of: Callable[[NotificationConfig], str] | None,
    *extra: str,
) -> Callable[..., Sequence[Planned]]:
    """A mail to the user of ``payload["user_id"]`` (at the payload's ``email`` when it
    has one), with a link to the configured path ``path_of`` picks, carrying the
    payload's token (or to the application's home page when ``path_of`` is None), and the
    payload's ``extra`` values as template variables."""

    def plan(
        route: Route, payload: dict[str, Any], uow: UnitOfWork, config: NotificationConfig
    ) -> Sequence[Planned]:
        user_id = _uuid(payload.get("user_id"))
        user = uow.users.get(user_id) if user_id is not None else None
        if user is None:
            return ()
        values = {name: str(payload.get(name) or "") for name in extra}
        if path_of is None:
            return (_for_user(route, user, {"link": config.link("/"), **values}),)
        sealed_token = str(payload.get(SEALED_TOKEN) or "")
        if not sealed_token:
            return ()
        context = {**stored_link(config.link(path_of(config)), sealed_token), **values}
        # The address the token was sent for: the new one of an email change, the old one
        # of its undo link; for a verification, it differs from the stored one only in a
        # race with an email change (the payload's is the one being verified).
        planned = _for_user(route, user, context)
        payload_email = str(payload.get("email") or "").strip().lower()
        if payload_email:
            planned = attrs.evolve(planned, email=payload_email)
        return (planned,)

    return plan


def _commented(
    route: Route, payload: dict[str, Any], uow: UnitOfWork, config: NotificationConfig
) -> Sequence[Planned]:
    """``comment.added``: the mentioned members, then the task's creator and assignee
    who are not among them (one notification each, the mention winning); never the
    author. ``comment.edited`` comes here too, for its newly mentioned members only."""
    comment_id, author_id = _uuid(payload.get("comment_id")), _uuid(payload.get("author_id"))
    comment = uow.comments.get(comment_id) if comment_id is not None else None
    if comment is None or author_id is None:
        return ()  # deleted before the worker got to it: nothing to tell
    task = uow.tasks.get(comment.task_id)
    if task is None:
        return ()
    raw = payload.get("mentioned_ids")
    mentioned = [u for u in (_uuid(v) for v in (raw if isinstance(raw, list) else [])) if u]
    others = [] if route.event == COMMENT_EDITED else [task.created_by, task.assignee_id]
    wanted: dict[UUID, NotificationType] = {}
    for user_id, kind in [
        *((u, NotificationType.COMMENT_MENTIONED) for u in mentioned),
        *((u, NotificationType.COMMENT_ADDED) for u in others if u is not None),
    ]:
        if user_id != author_id:
            wanted.setdefault(user_id, kind)
    if not wanted:
        return ()
    members = {m.user_id for m in uow.members.list_for_team(task.team_id)}
    users = uow.users.get_many([*wanted, author_id, *mentioned_ids(comment.content)])
    author = users.get(author_id)
    context = {
        **_task_context(config, task),
        "user": author.name if author is not None else "",
        "comment_id": str(comment.id),
        "excerpt": _excerpt(comment, users, members),
    }
    return [
        _for_user(route, users[user_id], context, kind)
        for user_id, kind in wanted.items()
        if user_id in users and user_id in members
    ]


def _excerpt(comment: Comment, users: dict[UUID, User], members: set[UUID]) -> str:
    """The comment as a mail quotes it: mentions of members shown as ``@Name`` (the
    token of anyone else stays a token: no name leaves the team), cut to length."""

    def name_of(user_id: UUID) -> str | None:
        user = users.get(user_id)
        return user.name if user is not None and user_id in members else None

    text = replace_mentions(comment.content, name_of).strip()
    if len(text) <= COMMENT_EXCERPT_LENGTH:
        return text
    return text[: COMMENT_EXCERPT_LENGTH - 1].rstrip() + "…"


_PLANNERS: Final[dict[NotificationType, Callable[..., Sequence[Planned]]]] = {
    NotificationType.TASK_ASSIGNED: _assigned,
    NotificationType.TASK_COMPLETED: _completed,
    NotificationType.TASK_DUE_SOON: _due_soon,
    NotificationType.INVITE_CREATED: _invited,
    NotificationType.USER_WELCOME: _user_mail(None),
    NotificationType.USER_VERIFY_EMAIL: _user_mail(lambda config: config.verify_email_path),
    NotificationType.USER_PASSWORD_RESET: _user_mail(lambda config: config.reset_password_path),
    NotificationType.USER_EMAIL_CHANGE: _user_mail(lambda config: config.email_change_path),
    NotificationType.USER_EMAIL_CHANGED: _user_mail(
        lambda config: config.email_change_undo_path, "new_email"
    ),
    NotificationType.USER_DELETION_REQUESTED: _user_mail(None, "erase_on"),
    NotificationType.COMMENT_ADDED: _commented,
    NotificationType.COMMENT_MENTIONED: _commented,
    NotificationType.USER_DATA_EXPORT: _user_mail(None),
}
