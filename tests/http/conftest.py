"""The one HTTP suite runs on both reference servers.

``api`` is the same tiny client over FastAPI (Starlette's TestClient) or Flask (its test
client), parametrized, so every test proves both servers answer the same. The services run
on the in-memory backend with a fake clock (``clock``) and a recording publisher
(``events``, where invite and reset tokens are read, as a mail would carry them).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from attrs import frozen
from httpkit import PASSWORD, SERVERS, Api, build_api

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import INVITE_CREATED
from taskflow.testing import one_time_token


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def api(server: str, tf: TaskFlow) -> Api:
    return build_api(server, tf)


@frozen
class Account:
    id: str
    email: str
    name: str
    token: str
    refresh_token: str


_emails = itertools.count(1)


@pytest.fixture
def signup(api: Api) -> Callable[..., Account]:
    """``signup(name="Sara")`` → a new account (unique email) with its tokens."""

    def make(*, name: str = "Test User", email: str | None = None) -> Account:
        email = email or f"user-{next(_emails)}@example.com"
        reply = api.post("/auth/signup", {"email": email, "password": PASSWORD, "name": name})
        assert reply.status == 201, reply.content
        body = reply.json()
        return Account(body["user"]["id"], email, name, body["token"], body["refresh_token"])

    return make


@pytest.fixture
def alice(signup: Callable[..., Account]) -> Account:
    return signup(name="Alice")


@pytest.fixture
def bob(signup: Callable[..., Account]) -> Account:
    return signup(name="Bob")


@pytest.fixture
def team(api: Api, alice: Account) -> dict[str, Any]:
    """A team Alice owns."""
    reply = api.post("/teams", {"name": "Alice's team"}, token=alice.token)
    assert reply.status == 201
    return dict(reply.json())


@pytest.fixture
def last_token(tf: TaskFlow, events: RecordingEventPublisher) -> Callable[[str], str]:
    """``last_token("invite.created")``: the one-time token of the last such event, as
    its mail's link carries it (the event keeps it sealed)."""
    return lambda name: one_time_token(tf, events.named(name)[-1])


@pytest.fixture
def join(api: Api, tf: TaskFlow, events: RecordingEventPublisher) -> Callable[..., None]:
    """``join(team_id, inviter, invitee, role="member")``: invite over HTTP, read the token
    from the event (the mail's content) and accept it over HTTP."""

    def invite_and_accept(
        team_id: str, inviter: Account, invitee: Account, role: str = "member"
    ) -> None:
        reply = api.post(
            "/auth/invite",
            {"team_id": team_id, "email": invitee.email, "role": role},
            token=inviter.token,
        )
        assert reply.status == 201, reply.content
        token = one_time_token(tf, events.named(INVITE_CREATED)[-1])
        accepted = api.post("/auth/invite/accept", {"token": token}, token=invitee.token)
        assert accepted.status == 200, accepted.content

    return invite_and_accept


@pytest.fixture
def task(api: Api, alice: Account, team: dict[str, Any]) -> dict[str, Any]:
    reply = api.post(
        f"/teams/{team['id']}/tasks", {"title": "Design the home page"}, token=alice.token
    )
    assert reply.status == 201
    return dict(reply.json())


@pytest.fixture
def member_bob(
    join: Callable[..., None], team: dict[str, Any], alice: Account, bob: Account
) -> Account:
    """Bob, a plain member of Alice's team."""
    join(team["id"], alice, bob)
    return bob
