"""The contract itself: both servers expose the same endpoints, and FastAPI's OpenAPI
document is complete and true (400 not 422, an error schema on every error status)."""

from __future__ import annotations

import re

from httpkit import PASSWORD, build_api
from starlette.testclient import TestClient

from taskflow.adapters.fastapi import create_app as create_fastapi_app
from taskflow.adapters.flask import create_app as create_flask_app
from taskflow.testing import make_test_taskflow

# The seed's endpoints (section 2 and 4), which must exist to the letter.
SEED_ENDPOINTS = {
    ("POST", "/auth/signup"),
    ("POST", "/auth/login"),
    ("POST", "/auth/logout"),
    ("POST", "/auth/refresh"),
    ("GET", "/auth/me"),
    ("POST", "/auth/invite"),
    ("POST", "/auth/invite/accept"),
    ("GET", "/teams"),
    ("POST", "/teams"),
    ("GET", "/teams/{team_id}/tasks"),
    ("POST", "/teams/{team_id}/tasks"),
    ("PATCH", "/tasks/{task_id}"),
    ("DELETE", "/tasks/{task_id}"),
    ("POST", "/tasks/{task_id}/complete"),
    ("GET", "/notifications"),
    ("GET", "/notifications/unread-count"),
    ("POST", "/notifications/{notification_id}/read"),
    ("POST", "/notifications/read-all"),
    ("GET", "/notifications/preferences"),
    ("PUT", "/notifications/preferences"),
    ("GET", "/health"),
    ("GET", "/ready"),
}
PUBLIC = {
    "/auth/cookie/login",
    "/auth/cookie/refresh",
    "/auth/signup",
    "/auth/login",
    "/auth/refresh",
    "/auth/verify-email/confirm",
    "/auth/password-reset",
    "/auth/password-reset/confirm",
    "/auth/email-change/confirm",
    "/auth/email-change/undo",
    "/health",
    "/ready",
}
DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _fastapi_endpoints(tf):
    schema = TestClient(create_fastapi_app(tf)).get("/openapi.json").json()
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def _flask_endpoints(tf):
    app = create_flask_app(tf)
    endpoints = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("taskflow_client."):
            continue  # the web client's pages and files: test_http_client.py
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        endpoints |= {(m, path) for m in rule.methods or () if m not in {"HEAD", "OPTIONS"}}
    return endpoints


def test_both_servers_expose_the_same_endpoints_including_the_seeds(tf):
    fastapi_endpoints = _fastapi_endpoints(tf)
    assert fastapi_endpoints == _flask_endpoints(tf)
    assert fastapi_endpoints >= SEED_ENDPOINTS


def test_openapi_documents_400_with_the_error_schema_and_never_422(tf):
    client = TestClient(create_fastapi_app(tf))
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            has_input = operation.get("parameters") or operation.get("requestBody")
            if has_input:
                assert "400" in responses, (method, path)
            if path not in PUBLIC:
                assert "401" in responses, (method, path)
                assert operation.get("security"), (method, path)
            for status, response in responses.items():
                if int(status) >= 400 and path != "/ready":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorOut"), (method, path, status)
            successes = [s for s in responses if s.startswith("2")]
            assert len(successes) == 1, (method, path)


def test_openapi_declares_the_created_and_no_content_statuses(tf):
    schema = TestClient(create_fastapi_app(tf)).get("/openapi.json").json()
    paths = schema["paths"]
    assert "201" in paths["/auth/signup"]["post"]["responses"]
    assert "201" in paths["/teams/{team_id}/tasks"]["post"]["responses"]
    assert "204" in paths["/tasks/{task_id}"]["delete"]["responses"]
    assert "409" in paths["/tasks/{task_id}"]["patch"]["responses"]
    assert "423" in paths["/auth/login"]["post"]["responses"]
    assert "Retry-After" in paths["/auth/login"]["post"]["responses"]["429"]["headers"]


def test_the_docs_ui_is_served(tf):
    client = TestClient(create_fastapi_app(tf))
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def _shape(value):
    """The JSON's structure: keys and value types, not the values (ids differ)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


IGNORED_HEADERS = {"date", "server", "content-length", "x-request-id", "etag"}


def test_both_servers_answer_alike_status_headers_and_json_shape():
    """The same conversation with each server: same statuses, same header names, same
    JSON structure, request by request."""
    transcripts = []
    for kind in ("fastapi", "flask"):
        api = build_api(kind, make_test_taskflow())
        replies = []
        signup = api.post(
            "/auth/signup", {"email": "a@example.com", "password": PASSWORD, "name": "A"}
        )
        token = signup.json()["token"]
        team = api.post("/teams", {"name": "T"}, token=token)
        task_path = f"/teams/{team.json()['id']}/tasks"
        task = api.post(task_path, {"title": "x", "due_date": "2024-03-01"}, token=token)
        replies += [signup, team, task]
        replies += [
            api.get("/auth/me", token=token),
            api.get(task_path, token=token),
            api.patch(f"/tasks/{task.json()['id']}", {"title": None}, token=token),
            api.delete(f"/tasks/{task.json()['id']}", token=token),
            api.get("/teams/not-a-uuid", token=token),
            api.get("/nowhere"),
            api.post("/auth/login", content=b"{", headers={"Content-Type": "application/json"}),
            api.post("/auth/login", {"email": "a@example.com", "password": "wrong one"}),
            api.get("/notifications/preferences", token=token),
        ]
        transcripts.append(
            [
                (
                    reply.status,
                    sorted(set(reply.headers) - IGNORED_HEADERS),
                    _shape(reply.json()) if reply.content else None,
                )
                for reply in replies
            ]
        )
    fastapi_transcript, flask_transcript = transcripts
    for number, (ours, theirs) in enumerate(zip(fastapi_transcript, flask_transcript, strict=True)):
        assert ours == theirs, number
