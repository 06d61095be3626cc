"""A mailer that writes each message as an ``.eml`` file into a folder: the embedded
default when no SMTP server is configured. Open the files with any mail client.

Each file is written under a temporary name and renamed into place, so a reader never
sees half a message. The name starts with the time and ends with the delivery id, so a
folder listing is in sending order.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

__all__ = ["FileMailer"]


class FileMailer:
    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self.write, message)

    def write(self, message: EmailMessage) -> Path:
        """Write ``message``; returns the file's path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        delivery = str(message.get("X-Taskflow-Delivery") or secrets.token_hex(8))
        name = f"{stamp}-{_safe(delivery)}.eml"
        temporary = self.folder / f".{name}.{secrets.token_hex(4)}.tmp"
        temporary.write_bytes(message.as_bytes(policy=SMTP))
        final = self.folder / name
        os.replace(temporary, final)
        return final


def _safe(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c == "-")[:64] or "message"
