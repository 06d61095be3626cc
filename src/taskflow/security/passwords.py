"""argon2id password hashing through argon2-cffi."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from taskflow.config import PasswordHashingConfig

__all__ = ["Argon2PasswordHasher"]


class Argon2PasswordHasher:
    """Implements the ``PasswordHasher`` port with argon2id."""

    def __init__(self, config: PasswordHashingConfig | None = None) -> None:
        config = config or PasswordHashingConfig()
        self._argon2 = _Argon2(
            time_cost=config.time_cost,
            memory_cost=config.memory_cost_kib,
            parallelism=config.parallelism,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
