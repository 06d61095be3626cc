"""Every error taskflow raises on purpose.

Each error carries a stable machine ``code`` (what clients branch on) and the HTTP
``status`` the web integrations answer with. Messages are for people and never hold a
secret, a SQL statement, a path or a stack trace.

The tree::

    TaskflowError                      500 internal_error
    ├── InvalidInput                   400 invalid_input     (.errors names the fields)
    ├── AuthenticationFailed           401 unauthenticated
    │   ├── InvalidCredentials         401 invalid_credentials
    │   ├── InvalidToken               401 invalid_token
    │   │   ├── TokenExpired           401 token_expired
    │   │   └── TokenRevoked           401 token_revoked
    │   └── RefreshTokenReused         401 refresh_token_reused
    ├── PermissionDenied               403 forbidden
    │   ├── NotTeamMember              403 not_team_member
    │   ├── InviteEmailMismatch        403 invite_email_mismatch
    │   └── CsrfCheckFailed            403 csrf_failed       (the browser's refresh cookie)
    ├── NotFound                       404 not_found
    │   ├── UserNotFound               404 user_not_found
    │   ├── TeamNotFound               404 team_not_found
    │   ├── MemberNotFound             404 member_not_found
    │   ├── InviteNotFound             404 invite_not_found
    │   ├── TaskNotFound               404 task_not_found
    │   ├── CommentNotFound            404 comment_not_found
    │   ├── SessionNotFound            404 session_not_found
    │   ├── NotificationNotFound       404 notification_not_found
    │   ├── DeliveryNotFound           404 delivery_not_found
    │   ├── PushSubscriptionNotFound   404 push_subscription_not_found
    │   └── PushUnavailable            404 push_unavailable  (this server sends no push)
    ├── Conflict                       409 conflict
    │   ├── EmailAlreadyExists         409 email_taken
    │   ├── HostUserAlreadyLinked      409 host_user_linked
    │   ├── AlreadyTeamMember          409 already_member
    │   ├── VersionConflict            409 version_conflict
    │   ├── IdempotencyKeyTaken        409 idempotency_key_taken
    │   └── OwnerMustTransfer          409 owner_must_transfer
    ├── Gone                           410 gone
    │   ├── InviteExpired              410 invite_expired
    │   ├── InviteRevoked              410 invite_revoked
    │   ├── InviteAlreadyUsed          410 invite_used
    │   └── VerificationTokenInvalid   410 verification_token_invalid
    ├── AccountLocked                  423 account_locked    (.retry_after seconds)
    ├── RateLimited                    429 rate_limited      (.retry_after seconds)
    │   └── DataExportTooSoon          429 data_export_too_soon (.retry_after seconds)
    ├── ConfigurationError             500 configuration_error (raised at start-up only)
    ├── MailError                      502 mail_error        (raised by a Mailer)
    │   ├── TransientMailError         502 mail_transient    (worth retrying)
    │   └── PermanentMailError         502 mail_permanent    (refused for good)
    ├── PushError                      502 push_error        (raised by a PushSender)
    │   ├── TransientPushError         502 push_transient    (worth retrying)
    │   └── PermanentPushError         502 push_permanent    (refused for good)
    │       └── PushSubscriptionGone   502 push_subscription_gone (404/410: remove it)
    ├── SealedValueInvalid             500 sealed_value_invalid (a stored secret did not open)
    └── StorageUnavailable             503 storage_unavailable

Catch ``TaskflowError`` to catch them all, or a branch (``NotFound``) to catch a family.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

__all__ = [
    "AccountLocked",
    "AlreadyTeamMember",
    "AuthenticationFailed",
    "CommentNotFound",
    "ConfigurationError",
    "Conflict",
    "CsrfCheckFailed",
    "DataExportTooSoon",
    "DeliveryNotFound",
    "EmailAlreadyExists",
    "FieldError",
    "Gone",
    "HostUserAlreadyLinked",
    "IdempotencyKeyTaken",
    "InvalidCredentials",
    "InvalidInput",
    "InvalidToken",
    "InviteAlreadyUsed",
    "InviteEmailMismatch",
    "InviteExpired",
    "InviteNotFound",
    "InviteRevoked",
    "MailError",
    "MemberNotFound",
    "NotFound",
    "NotTeamMember",
    "NotificationNotFound",
    "OwnerMustTransfer",
    "PermanentMailError",
    "PermanentPushError",
    "PermissionDenied",
    "PushError",
    "PushSubscriptionGone",
    "PushSubscriptionNotFound",
    "PushUnavailable",
    "RateLimited",
    "RefreshTokenReused",
    "SealedValueInvalid",
    "SessionNotFound",
    "StorageUnavailable",
    "TaskNotFound",
    "TaskflowError",
    "TeamNotFound",
    "TokenExpired",
    "TokenRevoked",
    "TransientMailError",
    "TransientPushError",
    "UserNotFound",
    "VerificationTokenInvalid",
    "VersionConflict",
]


class TaskflowError(Exception):
    """The root of every error taskflow raises on purpose."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "An internal error occurred."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body the web integrations send: ``{"code", "message"}``."""
        return {"code": self.code, "message": self.message}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


FieldError = Mapping[str, str]
"""One invalid field: ``{"field": "email", "message": "..."}``."""


class InvalidInput(TaskflowError):
    """Input failed validation; ``errors`` names each field at fault."""

    code = "invalid_input"
    status = 400
    default_message = "The input is invalid."

    def __init__(self, message: str | None = None, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(message)
        self.errors: list[dict[str, str]] = [dict(e) for e in errors]

    @classmethod
    def for_field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", [{"field": field, "message": message}])

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["fields"] = self.errors
        return body


class AuthenticationFailed(TaskflowError):
    code = "unauthenticated"
    status = 401
    default_message = "Authentication is required."


class InvalidCredentials(AuthenticationFailed):
    code = "invalid_credentials"
    default_message = "The email or password is incorrect."


class InvalidToken(AuthenticationFailed):
    code = "invalid_token"
    default_message = "The token is invalid."


class TokenExpired(InvalidToken):
    code = "token_expired"
    default_message = "The token has expired."


class TokenRevoked(InvalidToken):
    code = "token_revoked"
    default_message = "The token has been revoked."


class RefreshTokenReused(AuthenticationFailed):
    code = "refresh_token_reused"
    default_message = "This refresh token was already used; the session has been ended."


class PermissionDenied(TaskflowError):
    code = "forbidden"
    status = 403
    default_message = "You are not allowed to do this."


class NotTeamMember(PermissionDenied):
    code = "not_team_member"
    default_message = "You are not a member of this team."


class InviteEmailMismatch(PermissionDenied):
    code = "invite_email_mismatch"
    default_message = "This invite was sent to another email address."


class CsrfCheckFailed(PermissionDenied):
    """The refresh cookie came without the ``X-CSRF-Token`` header that goes with it."""

    code = "csrf_failed"
    default_message = "The X-CSRF-Token header is missing or does not match."


class NotFound(TaskflowError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class UserNotFound(NotFound):
    code = "user_not_found"
    default_message = "User not found."


class TeamNotFound(NotFound):
    code = "team_not_found"
    default_message = "Team not found."


class MemberNotFound(NotFound):
    code = "member_not_found"
    default_message = "That user is not a member of this team."


class InviteNotFound(NotFound):
    code = "invite_not_found"
    default_message = "Invite not found."


class TaskNotFound(NotFound):
    code = "task_not_found"
    default_message = "Task not found."


class CommentNotFound(NotFound):
    code = "comment_not_found"
    default_message = "Comment not found."


class SessionNotFound(NotFound):
    code = "session_not_found"
    default_message = "Session not found."


class NotificationNotFound(NotFound):
    code = "notification_not_found"
    default_message = "Notification not found."


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"
    default_message = "Delivery not found."


class PushSubscriptionNotFound(NotFound):
    code = "push_subscription_not_found"
    default_message = "Push subscription not found."


class PushUnavailable(NotFound):
    """This server sends no Web Push (the ``push`` extra is missing or push is off)."""

    code = "push_unavailable"
    default_message = "This server does not send push notifications."


class Conflict(TaskflowError):
    code = "conflict"
    status = 409
    default_message = "The request conflicts with the current state."


class EmailAlreadyExists(Conflict):
    code = "email_taken"
    default_message = "An account with this email already exists."


class HostUserAlreadyLinked(Conflict):
    """Another taskflow user is already linked to this host user id (identity mode)."""

    code = "host_user_linked"
    default_message = "This host user is already linked to a taskflow user."


class AlreadyTeamMember(Conflict):
    code = "already_member"
    default_message = "This user is already a member of the team."


class VersionConflict(Conflict):
    code = "version_conflict"
    default_message = "The task was changed by someone else; reload it and try again."


class IdempotencyKeyTaken(Conflict):
    """A task with this idempotency key was stored first by a concurrent request (raised
    by ``TaskRepository.add``; ``tf.tasks.create`` answers with that task instead)."""

    code = "idempotency_key_taken"
    default_message = "A task with this idempotency key already exists."


class OwnerMustTransfer(Conflict):
    """``teams``: the teams in question, ``{"id", "name"}`` each (a deletion request
    names every team the user still owns)."""

    code = "owner_must_transfer"
    default_message = "The owner must transfer ownership first."

    def __init__(self, message: str | None = None, teams: Sequence[Mapping[str, str]] = ()) -> None:
        super().__init__(message)
        self.teams: list[dict[str, str]] = [dict(team) for team in teams]

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        if self.teams:
            body["teams"] = self.teams
        return body


class Gone(TaskflowError):
    code = "gone"
    status = 410
    default_message = "This is no longer available."


class InviteExpired(Gone):
    code = "invite_expired"
    default_message = "This invite has expired."


class InviteRevoked(Gone):
    code = "invite_revoked"
    default_message = "This invite has been revoked."


class InviteAlreadyUsed(Gone):
    code = "invite_used"
    default_message = "This invite has already been used."


class VerificationTokenInvalid(Gone):
    code = "verification_token_invalid"
    default_message = "This link is invalid, expired or already used."


class _RetryAfterError(TaskflowError):
    def __init__(self, message: str | None = None, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = max(0, int(retry_after))

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["retry_after"] = self.retry_after
        return body


class AccountLocked(_RetryAfterError):
    code = "account_locked"
    status = 423
    default_message = "Too many failed logins; the account is locked for a while."


class RateLimited(_RetryAfterError):
    code = "rate_limited"
    status = 429
    default_message = "Too many requests; slow down."


class DataExportTooSoon(RateLimited):
    code = "data_export_too_soon"
    default_message = (
        "A data export was asked for recently; the next one can be asked for later "
        "(see retry_after)."
    )


class ConfigurationError(TaskflowError):
    code = "configuration_error"
    status = 500
    default_message = "taskflow is misconfigured."


class MailError(TaskflowError):
    """A mail could not be handed to the mail server. Raised by ``Mailer`` adapters and
    handled by the delivery runner; the message never holds a password."""

    code = "mail_error"
    status = 502
    default_message = "The mail could not be sent."


class TransientMailError(MailError):
    """Worth retrying later: connection refused, timeout, a 4xx answer."""

    code = "mail_transient"
    default_message = "The mail server is unavailable for now."


class PermanentMailError(MailError):
    """The mail server refused the message for good (a 5xx answer)."""

    code = "mail_permanent"
    default_message = "The mail server refused the message."


class PushError(TaskflowError):
    """A push message could not be handed to the push service. Raised by ``PushSender``
    adapters and handled by the delivery runner; the message never holds a key."""

    code = "push_error"
    status = 502
    default_message = "The push notification could not be sent."


class TransientPushError(PushError):
    """Worth retrying later: connection refused, timeout, a 429 or 5xx answer.
    ``retry_after``: the seconds the push service asked us to wait, if it said."""

    code = "push_transient"
    default_message = "The push service is unavailable for now."

    def __init__(self, message: str | None = None, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentPushError(PushError):
    """The push service refused the message for good (400, 401, 403, 413...)."""

    code = "push_permanent"
    default_message = "The push service refused the message."


class PushSubscriptionGone(PermanentPushError):
    """The subscription has expired or was withdrawn (404 or 410): it is removed."""

    code = "push_subscription_gone"
    default_message = "The push subscription no longer exists."


class SealedValueInvalid(TaskflowError):
    """A sealed value (``taskflow.security.sealing``) did not open: tampered with, sealed for
    another purpose, or sealed by a key no longer on the keyring. Never the client's fault:
    sealed values only travel between taskflow's own processes."""

    code = "sealed_value_invalid"
    status = 500
    default_message = "A stored secret could not be opened."


class StorageUnavailable(TaskflowError):
    code = "storage_unavailable"
    status = 503
    default_message = "The database is unavailable; nothing was changed. Try again."
