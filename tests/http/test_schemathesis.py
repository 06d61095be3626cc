"""schemathesis against the FastAPI server's own OpenAPI document: whatever it generates
(valid and invalid input alike), no answer is a 5xx, and every answer has a documented
status, content type, headers and schema. Bounded examples, so it runs in CI."""

from __future__ import annotations

import itertools

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from taskflow.adapters.fastapi import create_app
from taskflow.adapters.web import WebConfig
from taskflow.testing import make_test_taskflow

PASSWORD = "correct horse battery staple"

tf = make_test_taskflow()
app = create_app(tf, WebConfig(rate_limit=None, auth_rate_limit=None))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


_users = itertools.count()


def _fresh_bearer() -> dict[str, str]:
    """A new user's token for each case: a generated logout, password change or "end all
    sessions" must not leave the following cases unauthenticated."""
    number = next(_users)
    result = tf.auth.signup(email=f"fuzz-{number}@example.com", password=PASSWORD, name="Fuzz")
    team = tf.teams.create(result.user.id, name="Fuzzers")
    tf.tasks.create(result.user.id, team.id, title="Fuzz me")
    return {"Authorization": f"Bearer {result.token}"}


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_conforms_to_its_openapi_document(case):
    case.call_and_validate(headers=_fresh_bearer(), checks=CHECKS)
