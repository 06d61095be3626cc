"""The browser's refresh token: an httpOnly cookie, and the CSRF check on its path.

The web client keeps its access token in memory only. Its refresh token lives in a cookie
that no script can read (``HttpOnly``), that the browser sends to the refresh endpoint
only (``Path``), never on a request another site starts (``SameSite=Strict``), and over
HTTPS only except on loopback, where the reference server runs without TLS (``Secure``).

CSRF: the refresh endpoint also wants the ``X-CSRF-Token`` header, whose value is a hash
of the refresh token (signed double submit). The browser gets it in a second cookie that
the client's script reads (``taskflow_csrf``, path ``/``); a page of another site can
neither read it nor compute it, and a cookie planted by a sibling subdomain does not match
the httpOnly refresh token it would have to go with. The JSON flow
(``POST /auth/refresh`` with the token in the body) is unchanged for other clients.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from ipaddress import ip_address

from taskflow.errors import CsrfCheckFailed, InvalidToken

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "REFRESH_COOKIE",
    "check_csrf",
    "cleared_cookies",
    "cookie_is_secure",
    "csrf_token_for",
    "refresh_cookie_path",
    "session_cookies",
]

REFRESH_COOKIE = "taskflow_refresh"
CSRF_COOKIE = "taskflow_csrf"
CSRF_HEADER = "X-CSRF-Token"
_CSRF_CONTEXT = b"taskflow csrf\x00"


def csrf_token_for(refresh_token: str) -> str:
    digest = hashlib.sha256(_CSRF_CONTEXT + refresh_token.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_csrf(refresh_token: str | None, csrf_header: str | None) -> str:
    """The refresh token of the cookie, once the header proves the request is the
    client's own; ``InvalidToken`` (401) without a cookie, ``CsrfCheckFailed`` (403)
    with a header that does not match."""
    if not refresh_token:
        raise InvalidToken("No refresh cookie: log in again.")
    if not csrf_header or not hmac.compare_digest(
        csrf_header.encode(), csrf_token_for(refresh_token).encode()
    ):
        raise CsrfCheckFailed
    return refresh_token


def refresh_cookie_path(request_path: str) -> str:
    """The refresh endpoint's path, next to ``request_path`` (``.../auth/cookie/login``,
    ``.../refresh`` or ``.../logout``): the cookie follows the prefix taskflow is mounted
    under."""
    return request_path.rsplit("/", 1)[0] + "/refresh"


def cookie_is_secure(*, https: bool, host: str | None) -> bool:
    """``Secure`` unless the request came over plain HTTP to a loopback host (a browser
    would drop a ``Secure`` cookie set over ``http://127.0.0.1``)."""
    if https:
        return True
    name = _host_name(host or "")
    if name == "localhost" or name.endswith(".localhost"):
        return False
    try:
        return not ip_address(name).is_loopback
    except ValueError:
        return True


def _host_name(host: str) -> str:
    """``host`` of a ``Host`` header, without its port (``[::1]:8000`` -> ``::1``)."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _cookie(
    name: str, value: str, *, path: str, max_age: int, secure: bool, http_only: bool
) -> str:
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}", "SameSite=Strict"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def session_cookies(refresh_token: str, *, path: str, max_age: int, secure: bool) -> list[str]:
    """The ``Set-Cookie`` values that hand the browser a refresh token."""
    return [
        _cookie(
            REFRESH_COOKIE, refresh_token, path=path, max_age=max_age, secure=secure, http_only=True
        ),
        _cookie(
            CSRF_COOKIE,
            csrf_token_for(refresh_token),
            path="/",
            max_age=max_age,
            secure=secure,
            http_only=False,
        ),
    ]


def cleared_cookies(*, path: str, secure: bool) -> list[str]:
    """The ``Set-Cookie`` values that make the browser forget both cookies."""
    return [
        _cookie(REFRESH_COOKIE, "", path=path, max_age=0, secure=secure, http_only=True),
        _cookie(CSRF_COOKIE, "", path="/", max_age=0, secure=secure, http_only=False),
    ]
