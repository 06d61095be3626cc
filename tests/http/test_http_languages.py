"""POST /auth/signup takes the user's language: ``language`` in the body, else the
request's ``Accept-Language``, else the server's default; on both servers."""

from __future__ import annotations

from uuid import UUID

import pytest
from httpkit import PASSWORD, Api
from starlette.testclient import TestClient

from taskflow import TaskFlow
from taskflow.adapters.fastapi import create_app as create_fastapi_app
from taskflow.adapters.web.languages import preferred_language


def _signup(api: Api, body_extra: dict[str, str], headers: dict[str, str] | None = None) -> str:
    body = {"email": "sara@example.com", "password": PASSWORD, "name": "Sara", **body_extra}
    reply = api.post("/auth/signup", body, headers=headers)
    assert reply.status == 201, reply.content
    return str(reply.json()["user"]["id"])


@pytest.mark.parametrize(
    ("body", "header", "expected"),
    [
        ({"language": "en"}, None, "en"),
        ({"language": "en"}, "fa-IR,fa;q=0.9", "en"),  # the body wins
        ({}, "en-US,en;q=0.9,fa;q=0.8", "en"),
        ({}, "de-DE,de;q=0.9,fa;q=0.5", "fa"),
        ({}, "de", "fa"),  # nothing supported: the default
        ({}, None, "fa"),
    ],
)
def test_the_language_comes_from_the_body_then_accept_language_then_the_default(
    api: Api, tf: TaskFlow, body: dict[str, str], header: str | None, expected: str
) -> None:
    headers = {"Accept-Language": header} if header is not None else None
    user_id = _signup(api, body, headers)
    assert tf.notifications.get_preferences(UUID(user_id)).language == expected


def test_an_unsupported_language_in_the_body_is_a_400(api: Api) -> None:
    reply = api.post(
        "/auth/signup",
        {"email": "sara@example.com", "password": PASSWORD, "name": "Sara", "language": "de"},
    )
    assert reply.status == 400
    assert reply.error_code == "invalid_input"
    assert reply.error_fields == ["language"]


def test_the_openapi_document_describes_the_signup_language(tf: TaskFlow) -> None:
    document = TestClient(create_fastapi_app(tf)).get("/openapi.json").json()
    schema = document["components"]["schemas"]["SignupIn"]
    language = schema["properties"]["language"]
    assert {"$ref": "#/components/schemas/Language"} in language["anyOf"]
    assert document["components"]["schemas"]["Language"] == {
        "enum": ["fa", "en"],
        "type": "string",
    }
    assert "Accept-Language" in language["description"]
    assert "language" not in schema.get("required", [])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fa", "fa"),
        ("EN-gb", "en"),
        ("de;q=1, en;q=0.4, fa;q=0.5", "fa"),
        ("en;q=0, fa;q=0.1", "fa"),  # q=0: "not acceptable"
        ("en;q=0", None),
        ("*", None),
        ("en;q=oops", None),
        ("en, fa", "en"),  # equal weights: the first listed
        ("", None),
        ("x" * 5000, None),
    ],
)
def test_accept_language_is_read_as_rfc_9110_says(header: str, expected: str | None) -> None:
    assert preferred_language(header) == expected
