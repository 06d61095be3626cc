"""Fixtures for the service tests. They build users through the public API only
(``tf.auth.signup``), so the same tests run on every storage backend."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from taskflow import TaskFlow

MakeUser = Callable[..., UUID]


@pytest.fixture
def make_user(tf: TaskFlow) -> MakeUser:
    """``make_user(email="sara@example.com", name="Sara")`` signs a user up and returns
    their id. Each call without an email makes a new, unique one."""
    counter = 0

    def make(*, email: str | None = None, name: str = "Test User") -> UUID:
        nonlocal counter
        counter += 1
        result = tf.auth.signup(
            email=email or f"person-{counter}@example.com",
            password="correct horse battery staple",
            name=name,
        )
        return result.user.id

    return make
