"""Email change: asked with the password, confirmed from the new mailbox, undoable from
the old one.

1. ``request_email_change(user_id, password=, new_email=)``: the password proves the
   user (a wrong one counts as a failed login). A link with a one-time token (256
   random bits, stored as its SHA-256, valid ``AuthConfig.email_change_ttl``) is mailed
   to the NEW address (event ``user.email_change``). A newer request cancels an older
   unconfirmed one. An address another account has is ``EmailAlreadyExists`` (409).
2. ``confirm_email_change(token)``: the account moves to the new address (verified: the
   link proved the mailbox), every session but the one that asked ends, and the OLD
   address gets a mail (event ``user.email_changed``) with a link that undoes the change
   for ``AuthConfig.email_change_undo_ttl``. The database's unique constraint is the last
   word when two accounts race for one address: the loser gets ``EmailAlreadyExists``
   and nothing changes. Invites already sent to the new address can be accepted from
   then on (``tf.invites.list_mine`` lists them).
3. ``undo_email_change(token)``: the account goes back to the old address and EVERY
   session ends (whoever changed it is logged out); the owner of the old mailbox can
   then reset the password from it.

A token that is unknown, used, cancelled or expired is ``VerificationTokenInvalid``
(410), as for the other one-time links. Tokens travel sealed in the events and are
never logged.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import StringConstraints

from taskflow.config import AuthConfig
from taskflow.domain.models import EmailChange, OneTimeTokenPurpose
from taskflow.errors import EmailAlreadyExists, InvalidInput, VerificationTokenInvalid
from taskflow.events import (
    USER_EMAIL_CHANGE_REQUESTED,
    USER_EMAIL_CHANGE_UNDONE,
    USER_EMAIL_CHANGED,
    make_event,
)
from taskflow.ids import new_id
from taskflow.ports.services import Clock, Sealer
from taskflow.ports.unit_of_work import UnitOfWorkFactory
from taskflow.services.auth.accounts import AccountService
from taskflow.services.auth.one_time_tokens import (
    MAX_ONE_TIME_TOKEN_LENGTH,
    hash_token,
    new_token,
)
from taskflow.services.auth.sessions import SessionService
from taskflow.validation import Email, InputModel, validate

__all__ = ["EmailChangeService"]

_Token = Annotated[str, StringConstraints(max_length=MAX_ONE_TIME_TOKEN_LENGTH)]


class _RequestInput(InputModel):
    user_id: UUID
    password: Annotated[str, StringConstraints(max_length=1024)]
    new_email: Email
    session_id: UUID | None


class _TokenInput(InputModel):
    token: _Token


class EmailChangeService:
    """The email-change part of ``tf.auth``."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        accounts: AccountService,
        sessions: SessionService,
        clock: Clock,
        config: AuthConfig,
        *,
        sealer: Sealer,
    ) -> None:
        self._uow = uow
        self._accounts = accounts
        self._sessions = sessions
        self._clock = clock
        self._config = config
        self._sealer = sealer

    def request_email_change(
        self, user_id: UUID, *, password: str, new_email: str, session_id: UUID | None = None
    ) -> None:
        """Mail a confirmation link to ``new_email`` (see the module's docstring).
        ``session_id``: the caller's session, kept when the change completes."""
        data = validate(
            _RequestInput,
            user_id=user_id,
            password=password,
            new_email=new_email,
            session_id=session_id,
        )
        user = self._accounts.check_password(
            data.user_id, data.password, "The password is incorrect."
        )
        if data.new_email == user.email:
            raise InvalidInput.for_field("new_email", "is already your address")
        now = self._clock.now()
        token = new_token()
        with self._uow() as uow:
            # An early, friendly answer; the unique constraint decides at confirmation.
            if uow.users.get_by_email(data.new_email) is not None:
                raise EmailAlreadyExists()
            uow.email_changes.cancel_pending(user.id, now)
            uow.email_changes.add(
                EmailChange(
                    id=new_id(),
                    user_id=user.id,
                    old_email=user.email,
                    new_email=data.new_email,
                    token_hash=hash_token(token),
                    created_at=now,
                    expires_at=now + self._config.email_change_ttl,
                    session_id=data.session_id,
                )
            )
            payload = {
                "user_id": str(user.id),
                "email": data.new_email,
                "sealed_token": self._sealer.seal(token, purpose=USER_EMAIL_CHANGE_REQUESTED),
            }
            uow.emit(make_event(USER_EMAIL_CHANGE_REQUESTED, payload, now))
            uow.commit()

    def confirm_email_change(self, token: str) -> None:
        """Move the account to the new address (see the module's docstring)."""
        data = validate(_TokenInput, token=token)
        if not data.token:
            raise VerificationTokenInvalid()
        now = self._clock.now()
        undo_token = new_token()
        with self._uow() as uow:
            change = uow.email_changes.get_by_token_hash(hash_token(data.token))
            if change is None:
                raise VerificationTokenInvalid()
            undo_expires_at = now + self._config.email_change_undo_ttl
            if not uow.email_changes.confirm(
                change.id, hash_token(undo_token), undo_expires_at, now
            ):
                raise VerificationTokenInvalid()
            # Conditional on the address the request was made from: an account that
            # changed address (or was erased) since makes the link useless.
            if not uow.users.change_email(
                change.user_id, change.new_email, now, expected=change.old_email
            ):
                raise VerificationTokenInvalid()
            # Links sent to verify the old address must not verify the new one.
            uow.one_time_tokens.invalidate(change.user_id, OneTimeTokenPurpose.VERIFY_EMAIL, now)
            payload = {
                "user_id": str(change.user_id),
                "email": change.old_email,
                "new_email": change.new_email,
                "sealed_token": self._sealer.seal(undo_token, purpose=USER_EMAIL_CHANGED),
            }
            uow.emit(make_event(USER_EMAIL_CHANGED, payload, now))
            uow.commit()
        self._sessions.end_user_sessions(change.user_id, now, keep=change.session_id)

    def undo_email_change(self, token: str) -> None:
        """Put the account back at its previous address and end every session (see the
        module's docstring). ``EmailAlreadyExists`` if another account took that address
        meanwhile."""
        data = validate(_TokenInput, token=token)
        if not data.token:
            raise VerificationTokenInvalid()
        now = self._clock.now()
        with self._uow() as uow:
            change = uow.email_changes.get_by_undo_token_hash(hash_token(data.token))
            if change is None or not uow.email_changes.undo(change.id, now):
                raise VerificationTokenInvalid()
            user = uow.users.get(change.user_id)
            if user is None or user.is_erased:
                raise VerificationTokenInvalid()
            # Whatever the address is now (a second change by the same intruder too).
            uow.users.change_email(user.id, change.old_email, now, expected=None)
            uow.email_changes.cancel_pending(user.id, now)
            uow.emit(make_event(USER_EMAIL_CHANGE_UNDONE, {"user_id": str(user.id)}, now))
            uow.commit()
        self._sessions.end_user_sessions(change.user_id, now)
