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

Key rotation: every token names the key that signed it in its header's ``kid`` (a hash of
the key, see ``key_id``: it tells nothing about the key itself). New tokens are signed with
the current secret; a token whose ``kid`` names one of the previous secrets
(``TASKFLOW_JWT_PREVIOUS_SECRETS``, ``TASKFLOW_REFRESH_PREVIOUS_SECRETS``) is still
checked with it, so a rotation logs nobody out; once the old secret is dropped from that
list, its tokens are refused. A token without ``kid`` (issued before taskflow put one
in) is checked with the current secret, then the previous ones.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

import jwt
from attrs import frozen
from pydantic import SecretStr

from taskflow.config import AuthConfig
from taskflow.errors import ConfigurationError, InvalidToken, TokenExpired
from taskflow.ids import new_id

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "IssuedToken",
    "TokenClaims",
    "TokenCodec",
    "TokenType",
    "key_id",
]

SUPPORTED_ALGORITHMS: Final = {"HS256": 32, "HS384": 48, "HS512": 64}
"""The HMAC algorithms taskflow signs with, and the shortest secret (bytes) each accepts
(the digest size, as RFC 7518 section 3.2 asks)."""

_REQUIRED_CLAIMS: Final = ["sub", "sid", "jti", "iat", "exp", "iss", "aud", "type"]
_KID_HEX_DIGITS: Final = 16


def key_id(token_type: str, secret: str) -> str:
    """The ``kid`` of a signing secret: the first 64 bits of a SHA-256 of it, apart per
    token type. One-way, and the secrets are at least 32 random bytes, so publishing it
    in every token gives nothing away; deriving it (rather than configuring a name) means
    a secret and its name can never disagree."""
    digest = hashlib.sha256(f"taskflow jwt kid\x00{token_type}\x00{secret}".encode())
    return digest.hexdigest()[:_KID_HEX_DIGITS]


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
        self._config = config
        self._algorithm = config.jwt_algorithm
        # Per type: the current key first, then the previous ones, by kid.
        self._keys = {
            token_type: _keys_by_id(
                token_type,
                current,
                previous,
                minimum=minimum,
                names=names,
                algorithm=self._algorithm,
            )
            for token_type, current, previous, names in (
                (
                    TokenType.ACCESS,
                    config.jwt_secret,
                    config.previous_jwt_secrets,
                    ("JWT_SECRET", "TASKFLOW_JWT_PREVIOUS_SECRETS"),
                ),
                (
                    TokenType.REFRESH,
                    config.refresh_secret,
                    config.previous_refresh_secrets,
                    ("REFRESH_SECRET", "TASKFLOW_REFRESH_PREVIOUS_SECRETS"),
                ),
            )
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
        kid, key = next(iter(self._keys[token_type].items()))
        token = self._jwt.encode(payload, key, algorithm=self._algorithm, headers={"kid": kid})
        return IssuedToken(token=token, claims=claims)

    def decode(self, token: str, token_type: TokenType, *, now: datetime) -> TokenClaims:
        """Check a token of the given type and return its claims.

        Raises ``TokenExpired`` for a genuine token past its ``exp`` and ``InvalidToken``
        for anything else wrong (signature, algorithm, issuer, audience, type, claims)."""
        if not isinstance(token, str) or not token or len(token) > 4096 or not token.isascii():
            raise InvalidToken()  # a JWT is ASCII; other text would fail to encode (a 500)
        payload = self._verified_payload(token, token_type)
        claims = _claims_from(payload)
        if claims.type is not token_type:
            raise InvalidToken(f"This is not an {token_type.value} token.")
        if now >= claims.expires_at:
            raise TokenExpired()
        return claims

    def _verified_payload(self, token: str, token_type: TokenType) -> dict[str, Any]:
        keys = self._keys[token_type]
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise InvalidToken() from None
        if kid is None:
            candidates = list(keys.values())  # issued before tokens carried a kid
        elif isinstance(kid, str) and kid in keys:
            candidates = [keys[kid]]
        else:
            raise InvalidToken()  # a retired key's (or a forged) kid: no key to try
        for key in candidates:
            try:
                payload: dict[str, Any] = self._jwt.decode(
                    token,
                    key,
                    algorithms=[self._algorithm],
                    audience=self._config.audience,
                    issuer=self._config.issuer,
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError:
                raise InvalidToken() from None
            return payload
        raise InvalidToken()


def _keys_by_id(
    token_type: TokenType,
    current: SecretStr,
    previous: Sequence[SecretStr],
    *,
    minimum: int,
    names: tuple[str, str],
    algorithm: str,
) -> dict[str, str]:
    """``{kid: secret}``, the current secret first (dicts keep their order)."""
    keys: dict[str, str] = {}
    for position, secret in enumerate([current, *previous]):
        name = names[0] if position == 0 else names[1]
        value = secret.get_secret_value()
        if len(value.encode()) < minimum:
            raise ConfigurationError(
                f"{name}: every key must be at least {minimum} bytes long for {algorithm}."
            )
        kid = key_id(token_type.value, value)
        if kid in keys:
            raise ConfigurationError(
                f"{name} repeats {names[0]} or another previous key: list each key once."
            )
        keys[kid] = value
    return keys


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
