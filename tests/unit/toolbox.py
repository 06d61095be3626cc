"""Helpers of the race and storage-inspection tests (imported by them; not a test
module)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from taskflow import TaskflowError


def race(*calls: Callable[[], object]) -> list[object]:
    """Run ``calls`` at once (a barrier); each outcome is its result or its error."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            outcomes[index] = call()
        except TaskflowError as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def texts(value: Any) -> Iterator[str]:
    """Every piece of text inside ``value`` (attrs objects, mappings, sequences)."""
    if attrs.has(type(value)):
        for item in attrs.asdict(value, recurse=False).values():
            yield from texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(key)
            yield from texts(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from texts(item)
    elif isinstance(value, str | bytes):
        yield value if isinstance(value, str) else value.decode("utf-8", "replace")
    elif value is not None:
        yield str(value)
