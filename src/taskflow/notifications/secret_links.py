"""Links that carry a one-time token (invite, email verification, password reset, email
change and its undo).

The token reaches the worker sealed (``sealed_token`` in the event's payload, see
``taskflow.security.sealing``) and stays sealed in the delivery row: what is stored is the
sealed token and the link without it (``link_base``). The token is opened only in memory,
to render the mail (``render_context``), and the sealed token is dropped from the row once
the mail is sent. A leaked database, outbox or queue therefore holds no usable link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

from taskflow.domain.notifications import NotificationType
from taskflow.ports.services import Sealer

__all__ = [
    "SEALED_TOKEN",
    "SECRET_CONTEXT_KEYS",
    "SECRET_LINK_TYPES",
    "render_context",
    "stored_link",
]

SEALED_TOKEN: Final = "sealed_token"  # noqa: S105 - a key name
_LINK_BASE: Final = "link_base"
SECRET_CONTEXT_KEYS: Final = frozenset({SEALED_TOKEN, _LINK_BASE, "token", "link"})
"""What a delivery of a ``SECRET_LINK_TYPES`` type loses once its mail is sent."""
SECRET_LINK_TYPES: Final = frozenset(
    {
        NotificationType.USER_VERIFY_EMAIL,
        NotificationType.USER_PASSWORD_RESET,
        NotificationType.INVITE_CREATED,
        NotificationType.USER_EMAIL_CHANGE,
        NotificationType.USER_EMAIL_CHANGED,
    }
)


def stored_link(url_without_token: str, sealed_token: str) -> dict[str, str]:
    """The context a delivery keeps for a link ``{url_without_token}?token=<token>``."""
    return {SEALED_TOKEN: sealed_token, _LINK_BASE: f"{url_without_token}?token="}


def render_context(
    type_: NotificationType, context: Mapping[str, Any], sealer: Sealer
) -> dict[str, Any]:
    """``context`` as the templates see it: for a secret link, ``token`` and ``link``
    opened from the sealed token (``SealedValueInvalid`` if it does not open: the mail
    cannot be built). The event's name is the seal's purpose."""
    rendered = {key: value for key, value in context.items() if key not in SECRET_CONTEXT_KEYS}
    sealed = context.get(SEALED_TOKEN)
    if type_ in SECRET_LINK_TYPES and isinstance(sealed, str):
        token = sealer.open(sealed, purpose=type_.value)
        rendered["token"] = token
        rendered["link"] = f"{context.get(_LINK_BASE, '')}{quote(token, safe='')}"
    elif "link" in context:
        rendered["link"] = context["link"]
    return rendered
