"""A JSON body with a lone surrogate (``"\\ud800"``: valid JSON syntax, not valid Unicode)
is a 400 on both servers, never a 500 (FastAPI parses bodies with Python's json, which
accepts it; the services then refuse it)."""

from __future__ import annotations

from typing import Any

from httpkit import Api

BODY_WITH_A_LONE_SURROGATE = (
    b'{"email": "s@example.com", "password": "pass\\ud800word", "name": "S"}'
)


def test_signup_with_a_lone_surrogate_in_the_password_is_a_400(api: Api) -> None:
    reply = api.post(
        "/auth/signup",
        content=BODY_WITH_A_LONE_SURROGATE,
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 400, reply.content


def test_a_task_title_and_a_refresh_token_with_a_lone_surrogate_are_refused(
    api: Api, alice: Any, team: dict[str, Any]
) -> None:
    reply = api.post(
        f"/teams/{team['id']}/tasks",
        content=b'{"title": "a\\ud800b"}',
        headers={"Content-Type": "application/json"},
        token=alice.token,
    )
    assert reply.status == 400, reply.content
    reply = api.post(
        "/auth/refresh",
        content=b'{"refresh_token": "a\\ud800.b.c"}',
        headers={"Content-Type": "application/json"},
    )
    assert reply.status in {400, 401}, reply.content
