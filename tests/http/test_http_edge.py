"""The web edge, the same on both servers: error bodies, security and CORS headers,
request ids, body limit, rate limits behind (un)trusted proxies, health and readiness,
the request log, and no internal detail in any answer."""

from __future__ import annotations

import logging

import pytest
from httpkit import PASSWORD, assert_clean_error, build_api
from pydantic import SecretStr

from taskflow.adapters.web import WebConfig
from taskflow.errors import StorageUnavailable

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def test_security_headers_on_success_and_error_answers(api, alice):
    for reply in (api.get("/auth/me", token=alice.token), api.get("/nowhere"), api.get("/health")):
        for name, value in SECURITY_HEADERS.items():
            assert reply.headers[name] == value
        assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
        assert "strict-transport-security" not in reply.headers  # plain http


def test_hsts_only_when_https_as_told_by_a_trusted_proxy(server, tf):
    trusted = build_api(server, tf, WebConfig(trusted_proxies=("127.0.0.1/32",), rate_limit=None))
    https = trusted.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert https.headers["strict-transport-security"].startswith("max-age=")
    untrusted = build_api(server, tf, WebConfig(rate_limit=None))
    claimed = untrusted.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in claimed.headers


def test_unknown_route_is_a_json_404_and_wrong_method_a_json_405(api):
    missing = api.get("/no/such/thing")
    assert missing.status == 404
    assert missing.error_code == "not_found"
    assert_clean_error(missing)
    wrong = api.put("/auth/login", {"email": "a@example.com"})
    assert wrong.status == 405
    assert wrong.error_code == "method_not_allowed"
    assert_clean_error(wrong)


def test_a_huge_body_is_a_json_413(api):
    huge = b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    reply = api.post("/auth/login", content=huge, headers={"Content-Type": "application/json"})
    assert reply.status == 413
    assert reply.error_code == "payload_too_large"
    assert_clean_error(reply)


def test_an_unexpected_error_is_a_bare_500_with_nothing_internal(
    api, alice, tf, monkeypatch, caplog
):
    def explode(_user_id):
        raise RuntimeError(
            "SELECT password_hash FROM users; secret=hunter2 at /src/taskflow/services/teams.py"
        )

    monkeypatch.setattr(tf.teams, "list_mine", explode)
    with caplog.at_level(logging.ERROR, logger="taskflow.http"):
        reply = api.get("/teams", token=alice.token)
    assert reply.status == 500
    assert reply.json() == {
        "error": {"code": "internal_error", "message": "An internal error occurred."}
    }
    assert_clean_error(reply)
    assert "hunter2" not in reply.content.decode()
    assert any(record.exc_info for record in caplog.records)  # kept server-side


def test_storage_unavailable_is_503_with_its_code(api, alice, tf, monkeypatch):
    def unavailable(_user_id):
        raise StorageUnavailable()

    monkeypatch.setattr(tf.teams, "list_mine", unavailable)
    reply = api.get("/teams", token=alice.token)
    assert reply.status == 503
    assert reply.error_code == "storage_unavailable"


def test_request_id_is_echoed_when_sane_and_made_otherwise(api):
    given = api.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = api.get("/health", headers={"X-Request-ID": "evil\tvalue with spaces<script>"})
    assert made.headers["x-request-id"] != "evil\tvalue with spaces<script>"
    assert len(made.headers["x-request-id"]) == 32
    made_ids = {api.get("/health").headers["x-request-id"] for _ in range(50)}
    assert len(made_ids) == 50  # a new one each time
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in made_ids)


def test_one_log_line_per_request_with_the_path_template_and_no_token(api, alice, task, caplog):
    with caplog.at_level(logging.INFO, logger="taskflow.http"):
        api.get(f"/tasks/{task['id']}", token=alice.token, headers={"X-Request-ID": "req-1"})
    lines = [r.getMessage() for r in caplog.records if r.name == "taskflow.http"]
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith("GET /tasks/{task_id} 200 ")
    assert "request_id=req-1" in line
    assert task["id"] not in line
    assert alice.token not in line


def test_login_is_never_logged_with_the_password(api, alice, caplog):
    with caplog.at_level(logging.DEBUG):
        api.post("/auth/login", {"email": alice.email, "password": PASSWORD})
    assert all(PASSWORD not in record.getMessage() for record in caplog.records)


def test_cors_only_for_configured_origins(server, tf):
    config = WebConfig(cors_origins=("https://app.example.com",), rate_limit=None)
    api = build_api(server, tf, config)
    allowed = api.get("/health", headers={"Origin": "https://app.example.com"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    other = api.get("/health", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers
    preflight = api.request(
        "OPTIONS",
        "/teams",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert preflight.status == 204
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    evil_preflight = api.request(
        "OPTIONS",
        "/teams",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in evil_preflight.headers


def test_no_cors_headers_without_configured_origins(api):
    reply = api.get("/health", headers={"Origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in reply.headers


def test_rate_limit_is_429_with_retry_after(server, tf):
    api = build_api(server, tf, WebConfig(rate_limit="3/minute", auth_rate_limit=None))
    statuses = [api.get("/teams").status for _ in range(3)]
    assert statuses == [401, 401, 401]
    limited = api.get("/teams")
    assert limited.status == 429
    assert limited.error_code == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert_clean_error(limited)
    assert api.get("/health").status == 200  # probes are never limited


def test_get_auth_me_counts_against_the_general_limit_before_its_token_is_read(server, tf):
    """/auth/me reads its limit and token itself (no dependencies): same order, 429 first."""
    api = build_api(server, tf, WebConfig(rate_limit="2/minute", auth_rate_limit=None))
    assert [api.get("/auth/me").status for _ in range(2)] == [401, 401]
    assert api.get("/auth/me").status == 429
    assert api.get("/teams").status == 429  # the same per-client budget as every route


def test_login_and_signup_have_a_stricter_limit(server, tf):
    api = build_api(server, tf, WebConfig(rate_limit="100/minute", auth_rate_limit="2/minute"))
    body = {"email": "a@example.com", "password": "wrong password"}
    assert [api.post("/auth/login", body).status for _ in range(2)] == [401, 401]
    assert api.post("/auth/login", body).status == 429
    assert api.post("/auth/signup", {"email": "b@example.com"}).status == 429
    assert api.get("/teams").status == 401  # the general limit is not reached


@pytest.mark.parametrize("trusted", [False, True])
def test_forwarded_for_is_believed_only_from_trusted_proxies(server, tf, trusted):
    proxies = ("127.0.0.1/32",) if trusted else ()
    api = build_api(
        server, tf, WebConfig(rate_limit="2/minute", auth_rate_limit=None, trusted_proxies=proxies)
    )
    statuses = [
        api.get("/teams", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status for n in range(4)
    ]
    if trusted:  # four different clients behind our proxy: none over its limit
        assert statuses == [401, 401, 401, 401]
    else:  # one client forging the header: limited all the same
        assert statuses == [401, 401, 429, 429]


def test_every_forwarded_for_line_is_read_so_a_forged_first_line_decides_nothing(server, tf):
    """A trusted proxy that appends its own header line (HAProxy's ``forwardfor``) after
    the client's forged one: the proxy's line names the client (issue 12, point 5)."""
    api = build_api(
        server,
        tf,
        WebConfig(rate_limit="2/minute", auth_rate_limit=None, trusted_proxies=("127.0.0.1/32",)),
    )
    statuses = [
        api.get(
            "/teams",
            headers=[("X-Forwarded-For", f"203.0.113.{n}"), ("X-Forwarded-For", "198.51.100.7")],
        ).status
        for n in range(4)
    ]
    assert statuses == [401, 401, 429, 429]  # one client, 198.51.100.7, over its limit


@pytest.mark.parametrize(
    ("forged", "told", "hsts"), [("https", "http", False), ("http", "https", True)]
)
def test_forwarded_proto_is_the_trusted_proxys_last_word(server, tf, forged, told, hsts):
    """The client's own ``X-Forwarded-Proto`` line comes first, the proxy's appended one
    last: the last one says whether the client came over HTTPS."""
    api = build_api(server, tf, WebConfig(trusted_proxies=("127.0.0.1/32",), rate_limit=None))
    reply = api.get("/health", headers=[("X-Forwarded-Proto", forged), ("X-Forwarded-Proto", told)])
    assert ("strict-transport-security" in reply.headers) is hsts
    in_one_line = api.get("/health", headers={"X-Forwarded-Proto": f"{forged}, {told}"})
    assert ("strict-transport-security" in in_one_line.headers) is hsts


def test_health_and_ready(api):
    health = api.get("/health")
    assert health.status == 200
    assert health.json() == {"status": "ok"}
    ready = api.get("/ready")
    assert ready.status == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok"}}


def test_ready_is_503_when_the_database_does_not_answer(server, tf, monkeypatch):
    def broken(**_kwargs):
        raise OSError("connection refused to db.internal:5432 password=hunter2")

    monkeypatch.setattr(tf, "uow_factory", broken)
    api = build_api(server, tf)
    reply = api.get("/ready")
    assert reply.status == 503
    assert reply.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert "hunter2" not in reply.content.decode()


def test_ready_checks_redis_when_configured_and_says_degraded_without_it(server, tf):
    # 200: the API serves without Redis (issue 12, point 3); only the database is vital.
    config = WebConfig(rate_limit=None, redis_url=SecretStr("redis://127.0.0.1:1/0"))
    api = build_api(server, tf, config)
    for _ in range(3):
        reply = api.get("/ready")
        assert reply.status == 200
        assert reply.json() == {
            "status": "degraded",
            "checks": {"database": "ok", "redis": "unavailable"},
        }


def test_an_unreachable_limiter_storage_counts_in_the_process(server, tf):
    config = WebConfig(
        rate_limit="1/minute", rate_limit_storage_url=SecretStr("redis://127.0.0.1:1/0")
    )
    api = build_api(server, tf, config)
    assert [api.get("/teams").status for _ in range(3)] == [401, 429, 429]
