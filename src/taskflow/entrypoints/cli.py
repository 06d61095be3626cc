"""The ``taskflow`` command line: ``taskflow version``, ``taskflow db``, ``taskflow serve``,
``taskflow worker`` and ``taskflow keys``.

How a subcommand is added (the ONE place is ``COMMANDS`` below):

1. In a module of ``taskflow.entrypoints``, write a configure function that receives the
   subcommand's
   ``argparse.ArgumentParser``, adds its arguments (or nested subcommands), and sets the
   handler that runs it::

       def configure_db_command(parser: argparse.ArgumentParser) -> None:
           actions = parser.add_subparsers(dest="db_action", required=True)
           upgrade = actions.add_parser("upgrade", help="apply every pending migration")
           upgrade.set_defaults(handler=run_db_upgrade)
           ...

       def run_db_upgrade(args: argparse.Namespace) -> int:
           ...  # return the exit status: 0 on success
           return 0

2. Here, write a function that imports that module (a plain import inside the function)
   and calls its configure function, and add one line to ``COMMANDS``:
   ``Command(name, help, _configure_db, extra)``.

The command's module is imported only when its subcommand is the one being run, so
``taskflow version`` never imports SQLAlchemy or a web framework. When that import fails
because an optional dependency is missing, the user is told which extra to install.

Errors: a handler raises a ``TaskflowError`` (``ConfigurationError`` for bad settings); the
command prints one line to stderr and exits with status 1 — never a traceback, unless
``--traceback`` is given.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from attrs import frozen

from taskflow.errors import ConfigurationError, TaskflowError
from taskflow.version import __version__, pip_install

__all__ = ["COMMANDS", "Command", "Configure", "Handler", "build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]
"""Runs a subcommand with the parsed arguments and returns the exit status."""

Configure = Callable[[argparse.ArgumentParser], None]
"""Adds a subcommand's arguments to its parser and sets its ``handler``."""

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


@frozen
class Command:
    """One ``taskflow <name>`` subcommand.

    ``configure`` receives the subcommand's parser, imports the command's module, adds its
    arguments and sets ``handler`` with ``parser.set_defaults(handler=...)``.
    ``extra`` names the optional dependency group it needs
    (``pip install 'taskflow-embed[extra]'``), or ``None`` when the core is enough.
    """

    name: str
    help: str
    configure: Configure
    extra: str | None = None


def configure_version_command(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(handler=run_version)


def _configure_db(parser: argparse.ArgumentParser) -> None:
    from taskflow.entrypoints.db import configure_db_command  # noqa: PLC0415 - when run

    configure_db_command(parser)


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    from taskflow.entrypoints.serve import configure_serve_command  # noqa: PLC0415

    configure_serve_command(parser)


def _configure_worker(parser: argparse.ArgumentParser) -> None:
    from taskflow.entrypoints.worker import configure_worker_command  # noqa: PLC0415

    configure_worker_command(parser)


def _configure_keys(parser: argparse.ArgumentParser) -> None:
    from taskflow.entrypoints.keys import configure_keys_command  # noqa: PLC0415

    configure_keys_command(parser)


# The one place where subcommands are registered.
COMMANDS: tuple[Command, ...] = (
    Command("version", "print taskflow's version", configure_version_command),
    Command(
        "db",
        "apply or show the database migrations (upgrade, current)",
        _configure_db,
        extra="sqlalchemy",
    ),
    Command(
        "serve",
        "run the reference HTTP server (FastAPI, or Flask with --app flask)",
        _configure_serve,
        extra="fastapi",
    ),
    Command(
        "worker",
        "run the relay, the event consumers, the mail delivery and the periodic jobs",
        _configure_worker,
    ),
    Command(
        "keys",
        "print a new random key and the steps to rotate a secret with it",
        _configure_keys,
    ),
)


def run_version(_args: argparse.Namespace) -> int:
    print(f"taskflow {__version__}")
    return EXIT_OK


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The argument parser. Only the ``selected`` subcommand is configured in full (its
    module imported); the others are listed with their help line."""
    parser = argparse.ArgumentParser(
        prog="taskflow",
        description="Embeddable task management: command-line tools.",
    )
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="show the full traceback when a command fails (for debugging)",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        subparser = subcommands.add_parser(
            command.name, help=command.help, description=command.help
        )
        if command.name == selected:
            _configure(command, subparser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``taskflow`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in arguments
    try:
        parser = build_parser(_selected_command(arguments))
        args = parser.parse_args(arguments)
        handler: Handler | None = getattr(args, "handler", None)
        if handler is None:  # a registered command whose configure forgot set_defaults
            raise ConfigurationError(f"'taskflow {args.command}' has no handler.")
        return handler(args)
    except SystemExit as exit_:  # argparse: --help, or a usage error (already printed)
        return _exit_status(exit_.code)
    except KeyboardInterrupt:
        _print_error("interrupted", sys.stderr)
        return EXIT_INTERRUPTED
    except TaskflowError as error:
        if show_traceback:
            raise
        _print_error(error.message, sys.stderr)
        return EXIT_ERROR
    except Exception as error:
        if show_traceback:
            raise
        # Unexpected: the message could hold a connection URL or other detail, so only
        # the type is shown; --traceback shows everything.
        _print_error(
            f"unexpected {type(error).__name__}; run again with --traceback for details",
            sys.stderr,
        )
        return EXIT_ERROR


def _selected_command(arguments: Sequence[str]) -> str | None:
    """The subcommand named on the command line: the first argument not an option."""
    return next((argument for argument in arguments if not argument.startswith("-")), None)


def _configure(command: Command, parser: argparse.ArgumentParser) -> None:
    try:
        command.configure(parser)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if command.extra is None or missing.partition(".")[0] == "taskflow":
            raise
        raise ConfigurationError(
            f"'taskflow {command.name}' needs the optional dependency {missing!r}: "
            f"install it with: {pip_install(command.extra)}"
        ) from None


def _exit_status(code: str | int | None) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    _print_error(code, sys.stderr)
    return EXIT_ERROR


def _print_error(message: str, stream: TextIO) -> None:
    print(f"taskflow: error: {message}", file=stream)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
