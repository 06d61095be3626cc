"""The web client's built assets (``client_dist/``, made from ``client/`` by Vite) and how
both frameworks serve them: what each path answers, with which cache and CSP headers.

- ``index.html`` (the one page, answered at the client's root and at the pages the mails
  link to): ``no-store``, so a new release is picked up at once; the links' paths and
  the API's base are written into it as ``<meta>`` tags (no inline script: the CSP allows
  none).
- ``assets/*``: named by a hash of their content, so cached for a year (``immutable``;
  a CDN may keep them).
- the service worker, the manifest and the icons: fixed names, revalidated (``no-cache``).

Every answer has the client's CSP: its own scripts, styles, images and API only.
"""

from __future__ import annotations

import html
import json
import mimetypes
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from attrs import frozen

from taskflow.errors import ConfigurationError
from taskflow.notifications.config import NotificationConfig

__all__ = [
    "CLIENT_CSP",
    "CLIENT_DIST",
    "ClientAsset",
    "ClientAssets",
    "HostedLogin",
    "is_navigation",
    "load_client",
]

CLIENT_DIST: Final = Path(__file__).parent / "client_dist"
"""Where ``npm run build`` (in ``client/``) writes the client; shipped in the wheel."""

CLIENT_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; font-src 'self'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
_IMMUTABLE: Final = "public, max-age=31536000, immutable"
_REVALIDATE: Final = "no-cache"
_NO_STORE: Final = "no-store"
_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}
_NOT_SERVED: Final = {"index.html", "build-info.json"}


@frozen
class ClientAsset:
    body: bytes
    content_type: str
    cache_control: str

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": self.content_type,
            "Cache-Control": self.cache_control,
            "Content-Security-Policy": CLIENT_CSP,
            "X-Content-Type-Options": "nosniff",
        }


@frozen
class ClientAssets:
    """The client, read once at start-up: ``page`` (index.html, ready to answer),
    ``files`` (path relative to the client's root -> asset) and ``page_paths`` (the
    paths, relative to the site's root, that answer the page)."""

    page: ClientAsset
    files: Mapping[str, ClientAsset]
    page_paths: tuple[str, ...]
    task_path: str
    """The task mails' link (``/tasks/{id}``, the API's own path for the task): the page
    answers it only for a browser's navigation (``is_navigation``)."""

    def is_task_page(self, path: str) -> bool:
        prefix, _, suffix = self.task_path.partition("{id}")
        return bool(re.fullmatch(f"{re.escape(prefix)}[^/]+{re.escape(suffix)}", path))


def is_navigation(headers: Mapping[str, str]) -> bool:
    """Whether a request is a browser opening a page (a link in a mail, say), not a
    script or an API client: the Fetch Metadata headers every current browser sends, and
    no credentials (an API client that sends a token gets the API's answer)."""
    return (
        headers.get("sec-fetch-mode") == "navigate"
        and headers.get("sec-fetch-dest") == "document"
        and "authorization" not in headers
    )


@frozen
class HostedLogin:
    """Identity mode: where the host's own login page is (the client sends whoever is not
    logged in there, with ``?next=`` the page they wanted), and its logout, if any."""

    login_url: str
    logout_url: str | None = None

    @classmethod
    def of(cls, login_url: str | None, logout_url: str | None) -> HostedLogin:
        if not login_url:
            raise ConfigurationError(
                "taskflow is mounted in identity mode: the client needs your login page "
                "(login_url=...), as it has no sign-in of its own there."
            )
        return cls(login_url=login_url, logout_url=logout_url)


def load_client(
    links: NotificationConfig,
    *,
    root: str = "/",
    api_base: str = "",
    dist: Path = CLIENT_DIST,
    hosted: HostedLogin | None = None,
) -> ClientAssets:
    """Read the built client from ``dist``. ``root``: where the client is served (``/``
    on the reference server); ``api_base``: the prefix of taskflow's API (what
    ``mount_taskflow`` / ``TaskFlowExtension`` were given); ``links``: the paths the mails
    link to, which answer the page too (``/invites/accept``...). ``hosted``: identity
    mode, the host's login (and logout) page: the client shows none of its own account
    pages and sends whoever is not logged in there."""
    index = dist / "index.html"
    if not index.is_file():
        raise ConfigurationError(
            f"The web client is not built ({index} is missing): run `npm ci && npm run build` "
            "in client/, or install a taskflow wheel (it ships the built client)."
        )
    if not root.startswith("/") or not root.endswith("/"):
        raise ConfigurationError(f"The client's root must start and end with '/': {root!r}.")
    pages = {
        "invite": links.invite_path,
        "verify_email": links.verify_email_path,
        "reset_password": links.reset_password_path,
    }
    prefix = root.rstrip("/")
    files = {
        path.relative_to(dist).as_posix(): ClientAsset(
            path.read_bytes(),
            _TYPES.get(path.suffix)
            or mimetypes.guess_type(path.name)[0]
            or "application/octet-stream",
            _IMMUTABLE if path.relative_to(dist).parts[0] == "assets" else _REVALIDATE,
        )
        for path in sorted(dist.rglob("*"))
        if path.is_file() and path.relative_to(dist).as_posix() not in _NOT_SERVED
    }
    page = ClientAsset(
        _with_meta(
            index.read_text("utf-8"),
            root=root,
            api_base=api_base,
            pages={**pages, "task": links.task_path},
            hosted=hosted,
        ).encode(),
        _TYPES[".html"],
        _NO_STORE,
    )
    return ClientAssets(
        page,
        files,
        (root, *(prefix + path for path in pages.values())),
        prefix + links.task_path,
    )


def _with_meta(
    page: str,
    *,
    root: str,
    api_base: str,
    pages: Mapping[str, str],
    hosted: HostedLogin | None = None,
) -> str:
    settings: dict[str, object] = {"root": root, "api": api_base, "pages": pages}
    if hosted is not None:
        settings["hosted"] = {"login": hosted.login_url, "logout": hosted.logout_url}
    config = json.dumps(settings, sort_keys=True)
    meta = f'<meta name="taskflow-config" content="{html.escape(config, quote=True)}">'
    # Relative asset URLs (Vite's base "./") resolve against the page's own path: a page
    # answered at /invites/accept needs a base at the client's root.
    base = f'<base href="{html.escape(root, quote=True)}">'
    charset = '<meta charset="utf-8">'
    if charset not in page:
        raise ConfigurationError('The web client\'s index.html has no <meta charset="utf-8">.')
    return page.replace(charset, f"{charset}\n    {base}\n    {meta}", 1)
