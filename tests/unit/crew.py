"""The ``Crew`` that the ``crew`` fixture (tests/unit/conftest.py) returns; test modules
import it for annotations with ``from crew import Crew``."""

from __future__ import annotations

from uuid import UUID

import attrs


@attrs.frozen
class Crew:
    """A team with one user in every part a task action can depend on, and an outsider
    who owns another team. ``creator`` and ``assignee`` are plain members; ``member`` is
    a plain member who is neither creator nor assignee of the crew's tasks."""

    team_id: UUID
    owner: UUID
    admin: UUID
    member: UUID
    creator: UUID
    assignee: UUID
    outsider: UUID
    other_team_id: UUID
