"""Security headers on every response, and CORS for the configured origins only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "CORS_ALLOWED_HEADERS",
    "CORS_ALLOWED_METHODS",
    "cors_headers",
    "is_preflight",
    "security_headers",
]

CORS_ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_ALLOWED_HEADERS = "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-ID"
CORS_EXPOSED_HEADERS = "ETag, Retry-After, X-Request-ID"
CORS_MAX_AGE = "600"

# The docs UI (Swagger) loads its script and styles from a CDN: it gets a CSP that allows
# that; every API response gets the strictest one.
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    "frame-ancestors 'none'"
)


def security_headers(*, https: bool, content_type: str | None) -> dict[str, str]:
    """The headers added to every response. Responses carry per-user data, so nothing is
    cached anywhere (``no-store``) unless the endpoint set its own Cache-Control."""
    is_html = bool(content_type and content_type.startswith("text/html"))
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": _DOCS_CSP if is_html else _API_CSP,
        "Cache-Control": "no-store",
    }
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    return method == "OPTIONS" and "access-control-request-method" in headers


def cors_headers(
    origin: str | None, allowed: Sequence[str], *, preflight: bool
) -> dict[str, str] | None:
    """The CORS headers for a request from ``origin``, or None when the origin is not
    allowed (the browser then refuses the response; the server still answers)."""
    if not origin or origin.rstrip("/") not in allowed:
        return None
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if preflight:
        headers["Access-Control-Allow-Methods"] = CORS_ALLOWED_METHODS
        headers["Access-Control-Allow-Headers"] = CORS_ALLOWED_HEADERS
        headers["Access-Control-Max-Age"] = CORS_MAX_AGE
    else:
        headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    return headers
