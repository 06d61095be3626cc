"""A user's profile as the auth service answers it: the user with their teams."""

from __future__ import annotations

from uuid import UUID

from taskflow.domain.models import User
from taskflow.errors import UserNotFound
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from taskflow.services.read_models import UserProfile
from taskflow.validation import InputModel, validate

__all__ = ["profile_in", "read_profile"]


class _UserInput(InputModel):
    user_id: UUID


def profile_in(uow: UnitOfWork, user: User) -> UserProfile:
    """``user``'s profile, their teams read in the caller's unit of work."""
    return UserProfile.of(user, uow.members.teams_of_user(user.id))


def read_profile(uow_factory: UnitOfWorkFactory, user_id: UUID) -> UserProfile:
    """The user's profile with their teams. ``UserNotFound`` if there is no such user (or
    it was erased)."""
    data = validate(_UserInput, user_id=user_id)
    with uow_factory(read_only=True) as uow:
        found = uow.users.get_with_teams(data.user_id)  # one query: every request's
    if found is None or found[0].is_erased:
        raise UserNotFound()
    return UserProfile.of(*found)
