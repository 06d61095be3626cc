"""Running an example host app's README: its ```console blocks (not marked
``<!-- no-run -->``) as written, in a fresh copy of the example's folder, with nothing of
taskflow's set in the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from host_apps import EXAMPLES

import taskflow

NO_RUN = "<!-- no-run -->"
SRC = Path(taskflow.__file__).resolve().parents[1]


def console_commands(readme: Path) -> str:
    """The commands of the README's runnable ```console blocks, as one shell script."""
    lines = readme.read_text("utf-8").splitlines()
    script: list[str] = []
    for index, line in enumerate(lines):
        if line.strip() != "```console" or (index and lines[index - 1].strip() == NO_RUN):
            continue
        for command in lines[index + 1 :]:
            if command.strip() == "```":
                break
            if command.startswith("$ "):
                script.append(command.removeprefix("$ "))
    return "\n".join(script)


def run_readme(example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the README's commands in a copy of ``example``; the copy's path. The
    variables they export are set in this process too (for the app built afterwards)."""
    folder = tmp_path / example
    shutil.copytree(EXAMPLES / example, folder, ignore=shutil.ignore_patterns("__pycache__"))
    script = console_commands(folder / "README.md")
    assert "alembic upgrade head" in script
    assert "taskflow db upgrade" in script
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TASKFLOW_", "FLASK_", "ACME_", "GREENHOUSE_"))
        and key not in {"DATABASE_URL", "JWT_SECRET", "REFRESH_SECRET", "SMTP_HOST"}
    }
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    # taskflow as if installed (this checkout's); the example's own package is found
    # from its folder, as the README's commands find it there.
    environment["PYTHONPATH"] = str(SRC)
    result = subprocess.run(
        ["bash", "-euc", f"{script}\nenv"],  # noqa: S607 - bash from PATH, as a reader would
        cwd=folder,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    exported = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    for key, value in exported.items():
        if key.startswith(("TASKFLOW_", "ACME_", "GREENHOUSE_")) or key == "DATABASE_URL":
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    return folder


def user_emails(folder: Path, database: str) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{folder / database}")
    try:
        with engine.connect() as connection:
            return list(connection.scalars(sa.text("SELECT email FROM users ORDER BY id")))
    finally:
        engine.dispose()


def wait_for_mail(folder: Path, to: str) -> EmailMessage:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for path in sorted((folder / "taskflow-data" / "mail").glob("*.eml")):
            mail = message_from_bytes(path.read_bytes(), policy=policy.default)
            if mail["To"] == to:
                assert isinstance(mail, EmailMessage)
                return mail
        time.sleep(0.05)
    raise AssertionError(f"no mail to {to} within 20 s")
