"""Acme's command line. ``python -m acme add-user EMAIL NAME [--language fa]`` adds a
user (the password is asked for, or read from ``ACME_NEW_PASSWORD``)."""

from __future__ import annotations

import argparse
import getpass
import os

from acme.accounts import add_user
from acme.config import AcmeConfig
from acme.models import Database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m acme")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-user", help="add a user who can log in")
    add.add_argument("email")
    add.add_argument("name")
    add.add_argument("--language", default="en", help="fa or en (default: en)")
    args = parser.parse_args(argv)

    password = os.environ.get("ACME_NEW_PASSWORD") or getpass.getpass("Password: ")
    db = Database(AcmeConfig.from_env().database_url)
    try:
        user = add_user(
            db, email=args.email, name=args.name, password=password, language=args.language
        )
    finally:
        db.close()
    print(f"added user {user.id}: {user.email}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
