"""Acme's users as taskflow sees them (identity mode): taskflow asks this directory for
a user's email, name and language the first time the user calls it."""

from __future__ import annotations

from acme.models import Database, User
from taskflow import HostUser, HostUserId


class AcmeUserDirectory:
    """A ``taskflow.UserDirectory`` over Acme's ``users`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, host_user_id: HostUserId) -> HostUser | None:
        try:
            user_id = int(str(host_user_id))
        except ValueError:
            return None
        with self._db.session() as session:
            user = session.get(User, user_id)
        if user is None:
            return None
        return HostUser(email=user.email, name=user.name, language=user.language)
