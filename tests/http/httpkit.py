"""The tiny HTTP client both reference servers are driven through, and shared checks."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import frozen
from starlette.testclient import TestClient

from taskflow import TaskFlow
from taskflow.adapters.fastapi import create_app as create_fastapi_app
from taskflow.adapters.flask import create_app as create_flask_app
from taskflow.adapters.web import WebConfig

PASSWORD = "correct horse battery staple"
SERVERS = ("fastapi", "flask")
NO_RATE_LIMITS = WebConfig(rate_limit=None, auth_rate_limit=None)


@frozen
class Reply:
    status: int
    headers: Mapping[str, str]  # lower-cased names
    content: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    @property
    def error_code(self) -> str:
        return str(self.json()["error"]["code"])

    @property
    def error_fields(self) -> list[str]:
        return [item["field"] for item in self.json()["error"].get("fields") or []]


class Api:
    """``api.post("/teams", {"name": "x"}, token=...)`` → ``Reply``, on either server."""

    def __init__(self, kind: str, send: Callable[..., Reply]) -> None:
        self.kind = kind
        self._send = send

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        content: bytes | None = None,
    ) -> Reply:
        """``headers``: a mapping, or (name, value) pairs to send a header on several
        lines, as proxies do."""
        all_headers = list(headers.items() if isinstance(headers, Mapping) else headers or [])
        if token is not None:
            all_headers.append(("Authorization", f"Bearer {token}"))
        if json is not None:
            content = jsonlib.dumps(json).encode()
            if all(name.lower() != "content-type" for name, _ in all_headers):
                all_headers.append(("Content-Type", "application/json"))
        return self._send(method, path, content, all_headers)

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Reply:
        return self.request("PUT", path, json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)


def build_api(
    kind: str, tf: TaskFlow, config: WebConfig = NO_RATE_LIMITS, *, metrics: Any = False
) -> Api:
    """The reference server of ``kind`` on ``tf``; ``metrics`` as ``create_app``'s."""
    if kind == "fastapi":
        client = TestClient(
            create_fastapi_app(tf, config, metrics=metrics),
            raise_server_exceptions=False,
            client=("127.0.0.1", 50000),  # the peer Flask's test client reports too
        )

        def send_fastapi(
            method: str, path: str, content: bytes | None, headers: list[tuple[str, str]]
        ) -> Reply:
            response = client.request(method, path, content=content, headers=headers)
            return Reply(
                response.status_code,
                {k.lower(): v for k, v in response.headers.items()},
                response.content,
            )

        return Api(kind, send_fastapi)

    flask_app = create_flask_app(tf, config, metrics=metrics)
    flask_app.testing = False  # let the error handlers answer, as in production
    flask_client = flask_app.test_client()

    def send_flask(
        method: str, path: str, content: bytes | None, headers: list[tuple[str, str]]
    ) -> Reply:
        response = flask_client.open(path, method=method, data=content, headers=headers)
        return Reply(
            response.status_code,
            {k.lower(): v for k, v in response.headers.items()},
            response.get_data(),
        )

    return Api(kind, send_flask)


def assert_clean_error(reply: Reply) -> None:
    """An error answer: the JSON error body and nothing internal in it or its headers."""
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str)
    assert isinstance(body["error"]["message"], str)
    text = reply.content.decode() + " ".join(f"{k}: {v}" for k, v in reply.headers.items())
    for leak in (
        "Traceback",
        'File "',
        "/src/taskflow",
        ".py",
        "SELECT ",
        "INSERT ",
        "secret",
        "sqlalchemy",
    ):
        assert leak not in text, leak
