"""deploy/prometheus/alerts.yaml: valid rules (promtool check rules), each alert firing on
the series that should raise it and quiet below its threshold (promtool test rules,
alerts.test.yaml), and every taskflow metric they read is one taskflow exports."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from deploykit import DEPLOY, documents, require_tool
from prometheus_client.parser import text_string_to_metric_families

from taskflow.adapters.prometheus import TaskflowMetrics
from taskflow.domain.notifications import DeliveryStatus
from taskflow.messaging.backlog import Backlog

RULES = DEPLOY / "prometheus" / "alerts.yaml"
RULE_TESTS = DEPLOY / "prometheus" / "alerts.test.yaml"
PROMTOOL = "apt-get install prometheus (Debian ships promtool in it)"


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    tool = require_tool("promtool", PROMTOOL)
    return subprocess.run(
        [tool, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=RULES.parent,
    )


def test_the_rules_are_valid() -> None:
    result = promtool("check", "rules", RULES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_alert_fires_when_it_should_and_only_then() -> None:
    result = promtool("test", "rules", RULE_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test() -> None:
    (rules,) = documents(RULES)
    (tests,) = documents(RULE_TESTS)
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    tested = {case["alertname"] for test in tests["tests"] for case in test["alert_rule_test"]}
    assert alerts == tested


def test_the_rules_read_only_metrics_taskflow_exports() -> None:
    backlog = Backlog(
        outbox_unpublished=0, outbox_lag_seconds=0.0, mails=dict.fromkeys(DeliveryStatus, 0)
    )
    metrics = TaskflowMetrics(backlog=lambda: backlog, queue_depth=lambda: 0)
    metrics.observe_request("GET", "/teams", 500, 0.01)
    exported = {
        sample.name
        for family in text_string_to_metric_families(metrics.render().decode())
        for sample in family.samples
    }
    used = set(re.findall(r"\btaskflow_[a-z_]+\b", RULES.read_text(encoding="utf-8")))
    assert used
    assert used <= exported, used - exported
