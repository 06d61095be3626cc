"""Acme's accounts: passwords hashed with scrypt (the standard library's KDF)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import sqlalchemy as sa

from acme.models import Database, User

_N, _R, _P = 2**14, 8, 1  # 16 MiB of memory per hash


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.urlsafe_b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    _scheme, n, r, p, salt, digest = stored.split("$")
    expected = base64.urlsafe_b64decode(digest + "==")
    actual = hashlib.scrypt(
        password.encode(),
        salt=base64.urlsafe_b64decode(salt + "=="),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(expected),
    )
    return hmac.compare_digest(actual, expected)


_UNKNOWN = hash_password(os.urandom(16).hex())
"""Checked against when the email is unknown: a login takes as long either way."""


def add_user(db: Database, *, email: str, name: str, password: str, language: str = "en") -> User:
    user = User(
        email=email.strip().lower(),
        name=name,
        language=language,
        password_hash=hash_password(password),
    )
    with db.session() as session:
        session.add(user)
        session.commit()
    return user


def authenticate(db: Database, email: str, password: str) -> User | None:
    with db.session() as session:
        user = session.scalars(sa.select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        verify_password(password, _UNKNOWN)
        return None
    return user if verify_password(password, user.password_hash) else None


def set_language(db: Database, user_id: int, language: str) -> None:
    with db.session() as session:
        session.execute(sa.update(User).where(User.id == user_id).values(language=language))
        session.commit()
