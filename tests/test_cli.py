"""The ``taskflow`` command: subcommands from one registry, loaded only when run, and
errors as one line on stderr with a non-zero status, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import taskflow
from taskflow.entrypoints import cli
from taskflow.entrypoints.cli import Command
from taskflow.security.tokens import TokenCodec
from taskflow.settings import Settings, env_name

FAKE_COMMANDS = """
import argparse

from taskflow.errors import ConfigurationError

IMPORTED = True


def configure_ok(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", type=int, default=0)
    parser.set_defaults(handler=lambda args: args.status)


def configure_config_error(parser: argparse.ArgumentParser) -> None:
    def run(args: argparse.Namespace) -> int:
        raise ConfigurationError("DATABASE_URL is not a database URL.")

    parser.set_defaults(handler=run)


def configure_crash(parser: argparse.ArgumentParser) -> None:
    def run(args: argparse.Namespace) -> int:
        raise RuntimeError("could not connect to postgresql://app:hunter2@db/prod")

    parser.set_defaults(handler=run)


def configure_interrupted(parser: argparse.ArgumentParser) -> None:
    def run(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    parser.set_defaults(handler=run)


def configure_no_handler(parser: argparse.ArgumentParser) -> None:
    pass
"""


@pytest.fixture
def fake_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Registers extra subcommands from a throw-away module, as another part of taskflow
    would with one line in ``COMMANDS``."""
    (tmp_path / "fake_taskflow_commands.py").write_text(FAKE_COMMANDS, encoding="utf-8")
    (tmp_path / "needs_an_extra.py").write_text(
        "import a_dependency_that_is_not_installed  # noqa\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for module in ("fake_taskflow_commands", "needs_an_extra"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    fake = "fake_taskflow_commands"
    monkeypatch.setattr(
        cli,
        "COMMANDS",
        (
            *cli.COMMANDS,
            Command("ok", "exits with --status", _imported(fake, "configure_ok")),
            Command("config-error", "bad settings", _imported(fake, "configure_config_error")),
            Command("crash", "an unexpected error", _imported(fake, "configure_crash")),
            Command("interrupted", "Ctrl-C", _imported(fake, "configure_interrupted")),
            Command("no-handler", "forgot set_defaults", _imported(fake, "configure_no_handler")),
            Command(
                "needs-extra", "optional dependency", _imported("needs_an_extra", "x"), "redis"
            ),
        ),
    )


def _imported(module: str, function: str) -> Callable[[argparse.ArgumentParser], None]:
    """A configure function that imports its module when called, as the registered
    commands do with a plain import inside a function."""

    def configure(parser: argparse.ArgumentParser) -> None:
        getattr(importlib.import_module(module), function)(parser)

    return configure


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["version"]) == 0
    assert capsys.readouterr().out == f"taskflow {taskflow.__version__}\n"


def test_help_lists_the_registered_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in cli.COMMANDS:
        assert command.name in out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "usage: taskflow" in capsys.readouterr().err


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["frobnicate"]) == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


@pytest.mark.usefixtures("fake_commands")
def test_a_registered_command_runs_and_its_status_is_returned() -> None:
    assert cli.main(["ok"]) == 0
    assert cli.main(["ok", "--status", "3"]) == 3


@pytest.mark.usefixtures("fake_commands")
def test_a_commands_module_is_imported_only_when_it_runs() -> None:
    assert cli.main(["version"]) == 0
    assert "fake_taskflow_commands" not in sys.modules
    assert "needs_an_extra" not in sys.modules
    assert cli.main(["ok"]) == 0
    assert "fake_taskflow_commands" in sys.modules


@pytest.mark.usefixtures("fake_commands")
def test_a_taskflow_error_is_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["config-error"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "taskflow: error: DATABASE_URL is not a database URL.\n"
    assert captured.out == ""


@pytest.mark.usefixtures("fake_commands")
def test_an_unexpected_error_shows_neither_traceback_nor_its_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["crash"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "RuntimeError" in err
    assert "--traceback" in err
    assert "Traceback" not in err
    assert "hunter2" not in err  # the message may hold a connection URL


@pytest.mark.usefixtures("fake_commands")
def test_traceback_flag_lets_the_error_through() -> None:
    with pytest.raises(RuntimeError, match="could not connect"):
        cli.main(["--traceback", "crash"])


@pytest.mark.usefixtures("fake_commands")
def test_ctrl_c_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["interrupted"]) == 130
    assert capsys.readouterr().err == "taskflow: error: interrupted\n"


@pytest.mark.usefixtures("fake_commands")
def test_a_command_without_handler_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["no-handler"]) == 1
    assert "'taskflow no-handler' has no handler" in capsys.readouterr().err


@pytest.mark.usefixtures("fake_commands")
def test_a_missing_optional_dependency_names_the_extra(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["needs-extra"]) == 1
    err = capsys.readouterr().err
    assert "a_dependency_that_is_not_installed" in err
    assert "pip install 'taskflow-embed[redis]'" in err
    assert err.count("\n") == 1


def test_every_registered_command_configures_a_handler() -> None:
    for command in cli.COMMANDS:
        parser = cli.build_parser(selected=command.name)
        subparsers = next(action for action in parser._actions if action.dest == "command")
        subparser = subparsers.choices[command.name]  # type: ignore[index]
        assert subparser.get_default("handler") is not None or subparser._subparsers, command.name


def test_python_dash_m_and_the_console_script_run(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKFLOW_")}
    script = Path(sys.executable).with_name("taskflow")
    assert script.exists(), "the console script is not installed"
    for argv in ([sys.executable, "-m", "taskflow"], [str(script)]):
        ok = subprocess.run(
            [*argv, "version"], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert (ok.returncode, ok.stdout) == (0, f"taskflow {taskflow.__version__}\n")
        bad = subprocess.run(
            [*argv, "nope"], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert bad.returncode == 2
        assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("app", "module", "extra"),
    [
        ("fastapi", "uvicorn", "fastapi"),
        ("fastapi", "fastapi", "fastapi"),
        ("flask", "waitress", "flask"),
    ],
)
def test_serve_without_its_extra_names_the_pip_install(
    app: str,
    module: str,
    extra: str,
    *,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, module, None)  # import fails: not installed
    assert cli.main(["serve", "--app", app]) == 1
    err = capsys.readouterr().err
    assert "unexpected" not in err
    assert f"needs {module!r}, which is not installed: pip install 'taskflow-embed[{extra}]'" in err
    assert list(tmp_path.iterdir()) == []  # it stopped before any migration


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:9000"),
        ("tasks.internal", "http://tasks.internal:9000"),
        ("0.0.0.0", "http://localhost:9000"),  # noqa: S104 - an address, not a bind
        ("::1", "http://[::1]:9000"),
    ],
)
def test_serve_links_to_the_address_it_serves_when_app_url_is_unset(
    host: str, expected: str
) -> None:
    from taskflow.entrypoints.serve import with_served_app_url  # noqa: PLC0415
    from taskflow.settings import Settings  # noqa: PLC0415

    settings = with_served_app_url(Settings(_env_file=None), host, 9000)
    assert settings.notification_config().app_url == expected


def test_keys_prints_a_new_usable_key_and_the_rotation_steps(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli.main(["keys"]) == 0
    first = capsys.readouterr().out
    assert cli.main(["keys", "--bare"]) == 0
    bare = capsys.readouterr().out.strip()
    key = first.splitlines()[0].removeprefix("New key: ")
    assert key != bare  # a new key each time
    assert "TASKFLOW_JWT_PREVIOUS_SECRETS" in first
    assert "TASKFLOW_REFRESH_PREVIOUS_SECRETS" in first
    assert "TASKFLOW_DATA_KEYS" in first
    # Every variable the steps name is a real setting (the settings refuse unknown ones).
    variables = {env_name(field) for field in Settings.model_fields}
    named = set(re.findall(r"\b(?:TASKFLOW_[A-Z_]+[A-Z]|JWT_SECRET|REFRESH_SECRET)\b", first))
    assert named
    assert named <= variables
    # The key is accepted where the steps put it, at HS512's length too.
    for candidate in (key, bare):
        assert len(candidate) >= 64
        settings = Settings(
            data_dir=tmp_path,
            jwt_secret=candidate,
            refresh_secret=candidate[::-1],
            jwt_previous_secrets=bare if candidate == key else key,
            jwt_algorithm="HS512",
        )
        TokenCodec(settings.auth_config())
