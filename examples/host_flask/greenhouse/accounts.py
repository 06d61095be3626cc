"""Greenhouse's accounts: passwords hashed by werkzeug (scrypt)."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from greenhouse.models import Database, User

_UNKNOWN = generate_password_hash(secrets.token_urlsafe())
"""Checked against when the username is unknown: a login takes as long either way."""


def add_user(
    db: Database, *, username: str, email: str, display_name: str, password: str, locale: str = "en"
) -> User:
    user = User(
        username=username,
        email=email.strip().lower(),
        display_name=display_name,
        locale=locale,
        password_hash=generate_password_hash(password),
    )
    with db.session() as session:
        session.add(user)
        session.commit()
    return user


def authenticate(db: Database, username: str, password: str) -> User | None:
    with db.session() as session:
        user = session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        check_password_hash(_UNKNOWN, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def set_locale(db: Database, user_id: int, locale: str) -> None:
    with db.session() as session:
        session.execute(sa.update(User).where(User.id == user_id).values(locale=locale))
        session.commit()
