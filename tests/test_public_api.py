"""The public API: ``taskflow.__all__`` is sorted and complete, and ``import taskflow``
is light and does nothing (no settings read, no file written, no driver loaded)."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import taskflow
import taskflow.errors
from taskflow.services import read_models
from taskflow.settings import Settings
from taskflow.version import DISTRIBUTION

HEAVY_MODULES = [
    "sqlalchemy",
    "alembic",
    "redis",
    "fastapi",
    "starlette",
    "flask",
    "werkzeug",
    "uvicorn",
    "aiosmtplib",
    "aiohttp",
    "pywebpush",
    "py_vapid",
    "http_ece",
    "psycopg",
    "pymysql",
    "sentry_sdk",
    "taskflow.adapters.sqlalchemy",
    "taskflow.adapters.redis",
    "taskflow.adapters.fastapi",
    "taskflow.adapters.flask",
    "taskflow.adapters.web",
    "taskflow.adapters.webpush",
]


def test_all_is_sorted_and_unique() -> None:
    assert taskflow.__all__ == sorted(set(taskflow.__all__))


def test_every_name_in_all_is_importable() -> None:
    for name in taskflow.__all__:
        assert getattr(taskflow, name) is not None, name
    namespace: dict[str, object] = {}
    exec("from taskflow import *", namespace)  # noqa: S102 - the star import users write
    assert set(taskflow.__all__) <= set(namespace)


def test_the_whole_error_tree_is_exported() -> None:
    errors = [
        name
        for name in taskflow.errors.__all__
        if inspect.isclass(getattr(taskflow.errors, name))
        and issubclass(getattr(taskflow.errors, name), taskflow.errors.TaskflowError)
    ]
    assert "TaskflowError" in errors
    assert [name for name in errors if name not in taskflow.__all__] == []


def test_version_matches_the_installed_metadata() -> None:
    assert taskflow.__version__ == importlib.metadata.version(DISTRIBUTION)


def _import_in_a_fresh_interpreter(code: str, cwd: Path, **env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TASKFLOW_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def test_import_taskflow_loads_no_driver_framework_or_adapter(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "import taskflow, taskflow.settings, taskflow.entrypoints.cli, taskflow.testing\n"
        f"print(json.dumps(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)))\n"
    )
    assert _import_in_a_fresh_interpreter(code, tmp_path) == []


def test_import_reads_no_settings_and_writes_nothing(tmp_path: Path) -> None:
    # Broken settings in the environment and in .env: importing must not care.
    (tmp_path / ".env").write_text("SMTP_PORT=not-a-number\n", encoding="utf-8")
    code = (
        "import json, taskflow, taskflow.settings, taskflow.entrypoints.cli\n"
        "print(json.dumps([]))\n"
    )
    _import_in_a_fresh_interpreter(code, tmp_path, JWT_SECRET="short", DATABASE_URL="x://")
    assert sorted(path.name for path in tmp_path.iterdir()) == [".env"]


def test_all_exports_what_the_services_take_and_answer() -> None:
    # The read models the services answer, the enums passed as arguments, and Settings.
    wanted = {
        "AccountProfile",
        "AuthResult",
        "CommentView",
        "InviteInfo",
        "MemberInfo",
        "Principal",
        "SessionInfo",
        "TaskView",
        "TeamPermissions",
        "UserProfile",
        "TeamSummary",
        "TaskActivity",
        "UserRef",
        "Notification",
        "NotificationPreferences",
        "Delivery",
        "Event",
        "Page",
        "Priority",
        "Role",
        "TaskStatus",
        "TaskSort",
        "NotificationType",
        "DeliveryStatus",
        "Settings",
        "TaskFlow",
    }
    assert wanted <= set(taskflow.__all__)


def test_all_keeps_the_stored_domain_objects_inside() -> None:
    # No service answers these and no caller passes them: they stay in taskflow.domain.
    inside = {"Comment", "Invite", "Membership", "Session", "Task", "Team", "User"}
    assert inside.isdisjoint(taskflow.__all__)
    for name in inside:
        assert not hasattr(taskflow, name), name


def test_the_exported_names_are_the_services_own_classes() -> None:
    for name in read_models.__all__:
        if name != "TASK_VIEW_FIELDS":
            assert getattr(taskflow, name) is getattr(read_models, name), name
    assert taskflow.Settings is Settings
