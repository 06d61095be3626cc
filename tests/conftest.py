"""Shared fixtures. ``tf`` is a whole TaskFlow on the backend under test; the service
tests use only it (and ``clock`` / ``events``), so the same tests run on every backend."""

from __future__ import annotations

import pytest

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.testing import FakeClock, make_test_taskflow


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def events() -> RecordingEventPublisher:
    return RecordingEventPublisher()


@pytest.fixture
def tf(clock: FakeClock, events: RecordingEventPublisher) -> TaskFlow:
    return make_test_taskflow(clock=clock, publisher=events)
