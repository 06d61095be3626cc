"""The auth service: accounts, logins, tokens, sessions, verification and reset."""

from __future__ import annotations

from taskflow.config import AuthConfig
from taskflow.ports.services import Clock, PasswordHasher, TokenStore
from taskflow.ports.unit_of_work import UnitOfWorkFactory

__all__ = ["AuthService"]


class AuthService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        tokens: TokenStore,
        hasher: PasswordHasher,
        clock: Clock,
        config: AuthConfig,
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._hasher = hasher
        self._clock = clock
        self._config = config
