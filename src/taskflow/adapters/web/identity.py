"""Identity mode at the web edge: the host application's resolver.

The host tells taskflow who is calling with a resolver: in FastAPI a function of the
request (plain or ``async``), in Flask a function of no argument (it reads ``flask.request``,
``flask.session`` or Flask-Login's ``current_user``). It answers the host's user id (an
int, a string or a UUID) or None when nobody is logged in (taskflow answers 401).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from attrs import frozen

__all__ = ["HostResolver"]


@frozen
class HostResolver:
    """A host's resolver, and whether it must be awaited."""

    resolve: Callable[..., Any]
    is_async: bool

    @classmethod
    def of(cls, resolve: Callable[..., Any]) -> HostResolver:
        call = getattr(resolve, "__call__", None)  # noqa: B004 - an object with async __call__
        is_async = inspect.iscoroutinefunction(resolve) or inspect.iscoroutinefunction(call)
        return cls(resolve=resolve, is_async=is_async)
