"""What taskflow lets the Sentry SDK send: no local variables, no request bodies, and
taskflow's own secret key names scrubbed (the SDK's default list matches whole names
such as ``password``, not ``new_password`` or ``refresh_token``)."""

from __future__ import annotations

from typing import Any

import pytest
import sentry_sdk

from taskflow.adapters.web import sentry as sentry_module


@pytest.fixture
def sentry_options(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: started.append(options))
    monkeypatch.setattr(sentry_module, "_initialised_dsn", None)
    sentry_module.init_sentry("https://public@sentry.example.com/1")
    [options] = started
    return options


def test_no_local_variables_and_no_request_bodies_are_sent(sentry_options: dict[str, Any]) -> None:
    assert sentry_options["include_local_variables"] is False
    assert sentry_options["max_request_body_size"] == "never"
    assert sentry_options["send_default_pii"] is False


def test_taskflows_secret_key_names_are_scrubbed_at_any_depth(
    sentry_options: dict[str, Any],
) -> None:
    event: dict[str, Any] = {
        "request": {
            "data": {
                "current_password": "old secret horse",
                "new_password": "new secret horse",
                "refresh_token": "eyJ.refresh.token",
                "name": "Sara",
            }
        },
        "extra": {"payload": {"nested": {"access_token": "eyJ.access.token"}}},
    }
    sentry_options["event_scrubber"].scrub_event(event)
    text = repr(event)
    for secret in ("old secret", "new secret", "eyJ.refresh", "eyJ.access"):
        assert secret not in text
    assert event["request"]["data"]["name"] == "Sara"
