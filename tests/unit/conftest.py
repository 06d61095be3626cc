"""Fixtures for the service tests. They build users and teams through the public API
only (``tf.auth.signup``, ``tf.invites``), so the same tests run on every storage backend."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from crew import Crew

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import INVITE_CREATED

MakeUser = Callable[..., UUID]
AddMember = Callable[..., UUID]


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


@pytest.fixture
def add_member(tf: TaskFlow, events: RecordingEventPublisher) -> AddMember:
    """``add_member(team_id, invited_by, role="member")`` signs a new user up, invites
    them to the team (as ``invited_by``, an admin or the owner) and accepts the invite;
    returns the new member's id."""
    counter = 0

    def add(team_id: UUID, invited_by: UUID, *, role: str = "member", name: str = "Member") -> UUID:
        nonlocal counter
        counter += 1
        email = f"member-{counter}-{team_id.hex[:8]}@example.com"
        user_id = tf.auth.signup(
            email=email, password="correct horse battery staple", name=name
        ).user.id
        tf.invites.create(invited_by, team_id, email=email, role=role)
        token = events.named(INVITE_CREATED)[-1].payload["token"]
        tf.invites.accept(user_id, token=token)
        return user_id

    return add


@pytest.fixture
def crew(tf: TaskFlow, make_user: MakeUser, add_member: AddMember) -> Crew:
    """A team with an owner, an admin and three plain members (``member``, ``creator``,
    ``assignee``), plus an ``outsider`` who owns another team (see ``crew.Crew``)."""
    owner = make_user(name="Owner")
    team_id = tf.teams.create(owner, name="Crew").id
    admin = add_member(team_id, owner, role="admin", name="Admin")
    member = add_member(team_id, owner, name="Member")
    creator = add_member(team_id, owner, name="Creator")
    assignee = add_member(team_id, owner, name="Assignee")
    outsider = make_user(name="Outsider")
    other_team_id = tf.teams.create(outsider, name="Other crew").id
    return Crew(
        team_id=team_id,
        owner=owner,
        admin=admin,
        member=member,
        creator=creator,
        assignee=assignee,
        outsider=outsider,
        other_team_id=other_team_id,
    )
