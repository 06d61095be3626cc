"""``taskflow keys``: a new random key and the steps to rotate a secret with it.

    taskflow keys            # a key, and the rotation steps for every secret
    taskflow keys --bare     # the key alone (for a script: vault kv put ... jwt=$(...))

It reads no settings and touches nothing: the operator puts the key into the secret
manager, and the deployment carries it to the services (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import secrets
from typing import Final

__all__ = ["KEY_BYTES", "ROTATION_STEPS", "configure_keys_command", "new_key", "run_keys_command"]

KEY_BYTES: Final = 48
"""Random bytes per key: 64 URL-safe characters, enough for HS512 (64 bytes) and far
above the 32 characters every taskflow secret needs."""

ROTATION_STEPS: Final = """\
Rotating JWT_SECRET (REFRESH_SECRET: the same, with TASKFLOW_REFRESH_PREVIOUS_SECRETS and
TASKFLOW_REFRESH_TOKEN_TTL), without logging anyone out:
  1. In the secret manager, put the CURRENT JWT_SECRET in front of
     TASKFLOW_JWT_PREVIOUS_SECRETS (comma-separated) and the new key in JWT_SECRET.
  2. Deploy: every process (services and workers) restarts with both. New tokens are
     signed with the new key; tokens of the old one (their kid names it) are accepted.
  3. After TASKFLOW_ACCESS_TOKEN_TTL (default 15m; REFRESH_SECRET: TASKFLOW_REFRESH_TOKEN_TTL,
     default 7d) every token of the old key has expired: remove it from
     TASKFLOW_JWT_PREVIOUS_SECRETS and deploy again. Its tokens are refused from then on.
  A leaked secret: skip the wait, set the new key with no previous one (everyone logs in
  again).

Rotating TASKFLOW_DATA_KEYS (seals one-time links, signs page cursors):
  1. Put the new key in front: TASKFLOW_DATA_KEYS=new,old. Deploy.
  2. After TASKFLOW_INVITE_TTL (default 7d, the longest-lived link), remove the old key.
  Deploy again.

Every 90 days, and at once if a secret leaks. Each environment has its own keys."""


def configure_keys_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bare", action="store_true", help="print the key alone, without the rotation steps"
    )
    parser.set_defaults(handler=run_keys_command)


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def run_keys_command(args: argparse.Namespace) -> int:
    key = new_key()
    if args.bare:
        print(key)
        return 0
    print(f"New key: {key}")
    print()
    print(ROTATION_STEPS)
    return 0
