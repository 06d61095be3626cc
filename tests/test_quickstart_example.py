"""The examples run as the README says, from a fresh directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quickstart_runs_and_walks_through_signup_login_and_me(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TASKFLOW_") and key not in {"JWT_SECRET", "REFRESH_SECRET"}
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        cwd=tmp_path,
        env={**env, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "signed up:  sara@example.com (سارا رضایی)" in out
    assert "wrong password refused: invalid_credentials (401)" in out
    assert "me:         سارا رضایی <sara@example.com>" in out
    assert "task 'طراحی صفحه اصلی' is done" in out
    assert "logged out: the access token is refused (token_revoked)" in out
    # The embedded default generated its secrets next to where it runs, and said so.
    assert (tmp_path / "taskflow-data" / "generated-secrets.json").exists()
    assert "production must set its own" in result.stderr
