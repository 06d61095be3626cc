"""JSON Web Tokens (pyjwt): short-lived access tokens and the refresh tokens of sessions.

Both kinds carry ``sub`` (the user id), ``sid`` (the session id: one per login),
``jti`` (this token's id), ``iat``, ``exp``, ``iss``, ``aud`` and ``type`` (``"access"``
or ``"refresh"``). They are signed with different secrets (``JWT_SECRET`` and
``REFRESH_SECRET``), so neither kind can pass for the other even before ``type`` is read.

Decoding pins the algorithm list to the one configured (so ``alg: none`` and algorithm
swaps are refused), requires every claim, checks issuer, audience and type, and checks
``exp`` against the injected clock rather than the wall clock (pyjwt's own ``exp``/``iat``
checks are turned off for that reason: one clock for the whole service, fakeable in tests).
Every pyjwt error becomes ``InvalidToken`` (or ``TokenExpired``); messages never repeat
the token.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

import jwt
from attrs import frozen

from taskflow.config import AuthConfig
from taskflow.errors import ConfigurationError, InvalidToken, TokenExpired
from taskflow.ids import new_id

__all__ = ["SUPPORTED_ALGORITHMS", "IssuedToken", "TokenClaims", "TokenCodec", "TokenType"]

SUPPORTED_ALGORITHMS: Final = {"HS256": 32, "HS384": 48, "HS512": 64}
"""The HMAC algorithms taskflow signs with, and the shortest secret (bytes) each accepts
(the digest size, as RFC 7518 section 3.2 asks)."""

_REQUIRED_CLAIMS: Final = ["sub", "sid", "jti", "iat", "exp", "iss", "aud", "type"]


class TokenType(enum.StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


@frozen
class TokenClaims:
    """The checked content of a token."""

    type: TokenType
    user_id: UUID
    session_id: UUID
    jti: str
    issued_at: datetime
    expires_at: datetime


@frozen
class IssuedToken:
    """A freshly signed token and what it says."""

    token: str
    claims: TokenClaims


class TokenCodec:
    """Signs and checks taskflow's JWTs with the secrets and lifetimes of ``AuthConfig``."""

    def __init__(self, config: AuthConfig) -> None:
        minimum = SUPPORTED_ALGORITHMS.get(config.jwt_algorithm)
        if minimum is None:
            supported = ", ".join(sorted(SUPPORTED_ALGORITHMS))
            raise ConfigurationError(
                f"JWT algorithm {config.jwt_algorithm!r} is not supported; use one of {supported}."
            )
        for name, secret in (
            ("JWT_SECRET", config.jwt_secret),
            ("REFRESH_SECRET", config.refresh_secret),
        ):
            if len(secret.get_secret_value().encode()) < minimum:
                raise ConfigurationError(
                    f"{name} must be at least {minimum} bytes long for {config.jwt_algorithm}."
                )
        self._config = config
        self._algorithm = config.jwt_algorithm
        self._keys = {
            TokenType.ACCESS: config.jwt_secret.get_secret_value(),
            TokenType.REFRESH: config.refresh_secret.get_secret_value(),
        }
        self._lifetimes = {
            TokenType.ACCESS: config.access_token_ttl,
            TokenType.REFRESH: config.refresh_token_ttl,
        }
        self._jwt = jwt.PyJWT(
            options={
                "require": list(_REQUIRED_CLAIMS),
                # Time is checked against the injected clock in `decode`, not here.
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "enforce_minimum_key_length": True,
            }
        )

    def issue(
        self,
        token_type: TokenType,
        *,
        user_id: UUID,
        session_id: UUID,
        now: datetime,
        expires_at: datetime | None = None,
    ) -> IssuedToken:
        """Sign a new token. It expires after the configured lifetime of its type, or at
        ``expires_at`` if that is sooner (a refresh token never outlives its session)."""
        issued_at = _whole_seconds(now)
        lifetime_end = issued_at + self._lifetimes[token_type]
        ends = lifetime_end if expires_at is None else min(lifetime_end, expires_at)
        claims = TokenClaims(
            type=token_type,
            user_id=user_id,
            session_id=session_id,
            jti=str(new_id()),
            issued_at=issued_at,
            expires_at=_whole_seconds(ends),
        )
        payload: dict[str, Any] = {
            "sub": str(claims.user_id),
            "sid": str(claims.session_id),
            "jti": claims.jti,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
            "iss": self._config.issuer,
            "aud": self._config.audience,
            "type": token_type.value,
        }
        token = self._jwt.encode(payload, self._keys[token_type], algorithm=self._algorithm)
        return IssuedToken(token=token, claims=claims)

    def decode(self, token: str, token_type: TokenType, *, now: datetime) -> TokenClaims:
        """Check a token of the given type and return its claims.

        Raises ``TokenExpired`` for a genuine token past its ``exp`` and ``InvalidToken``
        for anything else wrong (signature, algorithm, issuer, audience, type, claims)."""
        if not isinstance(token, str) or not token or len(token) > 4096 or not token.isascii():
            raise InvalidToken()  # a JWT is ASCII; other text would fail to encode (a 500)
        try:
            payload = self._jwt.decode(
                token,
                self._keys[token_type],
                algorithms=[self._algorithm],
                audience=self._config.audience,
                issuer=self._config.issuer,
            )
        except jwt.PyJWTError:
            raise InvalidToken() from None
        claims = _claims_from(payload)
        if claims.type is not token_type:
            raise InvalidToken(f"This is not an {token_type.value} token.")
        if now >= claims.expires_at:
            raise TokenExpired()
        return claims


def _claims_from(payload: dict[str, Any]) -> TokenClaims:
    """Read the claims' types strictly: a well-signed token with odd claims is invalid."""
    try:
        token_type = TokenType(payload["type"])
        user_id = UUID(_text(payload["sub"]))
        session_id = UUID(_text(payload["sid"]))
        jti = _text(payload["jti"])
        issued_at = _timestamp(payload["iat"])
        expires_at = _timestamp(payload["exp"])
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        raise InvalidToken() from None
    if not jti:
        raise InvalidToken()
    return TokenClaims(token_type, user_id, session_id, jti, issued_at, expires_at)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string claim")
    return value


def _timestamp(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected an integer timestamp")
    return datetime.fromtimestamp(value, UTC)


def _whole_seconds(moment: datetime) -> datetime:
    """JWT times are whole seconds; round down so what we return is what the token says."""
    return moment.astimezone(UTC).replace(microsecond=0)
