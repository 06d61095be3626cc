"""`taskflow worker` as a process of its own without Redis: the outbox in the shared
database is the queue. An assignment made by the application process becomes an .eml
file, and SIGTERM stops the worker cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from taskflow import TaskFlow
from taskflow.settings import Settings, env_name

pytestmark = pytest.mark.slow


def test_a_worker_process_without_redis_delivers_from_the_shared_outbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for field in Settings.model_fields:
        monkeypatch.delenv(env_name(field), raising=False)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'taskflow.sqlite3'}",
        "JWT_SECRET": "j" * 40,
        "REFRESH_SECRET": "r" * 40,
        "TASKFLOW_DATA_DIR": str(tmp_path / "data"),
        "TASKFLOW_MAIL_DIR": str(tmp_path / "mail"),
        "TASKFLOW_ARGON2_MEMORY_KIB": "1024",
        "TASKFLOW_ARGON2_TIME_COST": "1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with TaskFlow.from_settings(Settings()) as tf:  # the application's process
        ali = tf.auth.signup(email="ali@example.com", password="a long passphrase", name="Ali")
        team = tf.teams.create(ali.user.id, name="تیم")
        log = tmp_path / "worker.log"
        with log.open("ab") as output:
            worker = subprocess.Popen(
                [sys.executable, "-m", "taskflow", "worker"],
                env={**os.environ, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            tf.invites.create(ali.user.id, team.id, email="sara@example.com")
            deadline = time.monotonic() + 30
            invite_mail: list[Path] = []
            while not invite_mail and time.monotonic() < deadline:
                invite_mail = [
                    path
                    for path in (tmp_path / "mail").glob("*.eml")
                    if "sara@example.com" in path.read_text(errors="replace")
                ]
                time.sleep(0.05)
            assert invite_mail, log.read_text()
            message = message_from_bytes(invite_mail[0].read_bytes(), policy=policy.default)
            assert message["To"] == "sara@example.com"
            assert "تیم" in str(message["Subject"])
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0, log.read_text()
            # No TASKFLOW_APP_URL: the links cannot know the application's address.
            assert "TASKFLOW_APP_URL is not set" in log.read_text()
        finally:
            worker.kill()
            worker.wait(10)
