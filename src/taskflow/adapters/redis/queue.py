"""The queue on Redis Streams, with one consumer group shared by every worker.

- ``publish``: ``XADD`` to the stream (one pipeline per batch).
- ``receive``: first ``XAUTOCLAIM`` the messages other consumers took and left
  unacknowledged for longer than ``visibility_timeout`` (a dead worker's), then
  ``XREADGROUP >`` for new ones. The attempt number is Redis's delivery counter.
- ``ack``: ``XACK`` (and ``XDEL``) once the work reached a final state — never before.
- ``retry``: the message stays pending; ``XCLAIM ... IDLE`` backdates it so that it
  becomes reclaimable after a backoff instead of the whole visibility timeout.
- A message delivered ``max_attempts`` times (failing each time, or killing its worker
  each time: a poison message) is moved to the dead-letter stream ``<stream>:dead``
  with its last error, atomically with its ``XACK``. ``replay_dead_letters`` puts them
  back.

The visibility timeout must be longer than the slowest handling of one message, or a
slow but live consumer's message is handed to a second consumer too (harmless with an
idempotent handler, but wasted work).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import redis

from taskflow.domain.models import Event
from taskflow.errors import StorageUnavailable
from taskflow.messaging.codec import event_from_json, event_to_json
from taskflow.ports.messaging import Message

__all__ = ["RedisStreamQueue"]

logger = logging.getLogger(__name__)

_UNAVAILABLE = "The queue (Redis) is unavailable; the events wait in the outbox."


@contextmanager
def _unavailable_as_storage_error() -> Iterator[None]:
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as error:
        raise StorageUnavailable(_UNAVAILABLE) from error


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisStreamQueue:
    durable = True

    def __init__(
        self,
        client: redis.Redis[Any],
        *,
        stream: str = "taskflow:events",
        group: str = "taskflow-workers",
        consumer: str | None = None,
        visibility_timeout: float = 300.0,
        max_attempts: int = 5,
        retry_delay: float = 1.0,
        reclaim_interval: float | None = None,
        delete_acknowledged: bool = True,
    ) -> None:
        """``client``: a ``redis.Redis``; ``consumer``: this worker's unique name (the host
        and process id by default); ``visibility_timeout``: seconds a received message may
        stay unacknowledged before another consumer takes it over."""
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if visibility_timeout <= 0:
            raise ValueError("visibility_timeout must be positive")
        # Any: redis-py's bundled hints and the types-redis stubs disagree; keep to both.
        self._redis: Any = client
        self.stream = stream
        self.dead_letter_stream = f"{stream}:dead"
        self.group = group
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{uuid4().hex[:8]}"
        self._visibility_ms = int(visibility_timeout * 1000)
        self._max_attempts = max_attempts
        self._retry_delay_ms = int(retry_delay * 1000)
        interval = reclaim_interval if reclaim_interval is not None else visibility_timeout / 4
        self._reclaim_interval_ms = max(int(min(interval, 5.0) * 1000), 10)
        self._next_reclaim_ms = 0
        self._delete_acknowledged = delete_acknowledged
        self._group_ready = False

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisStreamQueue:
        # socket_timeout bounds every call; XREADGROUP's BLOCK stays below it.
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        return cls(client, **options)

    @property
    def max_attempts(self) -> int:
        return self._max_attempts

    def publish(self, events: Sequence[Event]) -> None:
        if not events:
            return
        with _unavailable_as_storage_error():
            pipe = self._redis.pipeline(transaction=False)
            for event in events:
                pipe.xadd(self.stream, {"event": event_to_json(event)})
            pipe.execute()

    def receive(self, *, max_messages: int, timeout: float) -> list[Message]:
        with _unavailable_as_storage_error():
            self._ensure_group()
            messages = self._reclaim(max_messages)
            if messages:
                return messages
            block_ms = max(int(timeout * 1000), 1)
            try:
                response = self._redis.xreadgroup(
                    self.group,
                    self.consumer,
                    {self.stream: ">"},
                    count=max_messages,
                    block=block_ms,
                )
            except redis.ResponseError as error:
                if "NOGROUP" not in str(error):
                    raise
                self._group_ready = False  # the stream was deleted: create it again
                return []
            received: list[Message] = []
            for _stream, entries in response or []:
                for entry_id, fields in entries:
                    message = self._decode(_text(entry_id), fields, attempt=1)
                    if message is not None:
                        received.append(message)
            return received

    def ack(self, message: Message) -> None:
        self.ack_many([message])

    def ack_many(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        receipts = [message.receipt for message in messages]
        with _unavailable_as_storage_error():
            pipe = self._redis.pipeline(transaction=True)
            pipe.xack(self.stream, self.group, *receipts)
            if self._delete_acknowledged:
                pipe.xdel(self.stream, *receipts)
            pipe.execute()

    def retry(self, message: Message, error: str) -> None:
        with _unavailable_as_storage_error():
            if message.attempt >= self._max_attempts:
                self._dead_letter(
                    message.receipt, event_to_json(message.event), error, message.attempt
                )
                return
            delay_ms = min(self._retry_delay_ms * 2 ** (message.attempt - 1), self._visibility_ms)
            self._backdate(
                message.receipt, idle_ms=self._visibility_ms - delay_ms, attempts=message.attempt
            )

    def release(self, message: Message) -> None:
        with _unavailable_as_storage_error():
            # Reclaimable at once; the counter is set back so the next delivery has the
            # same attempt number (XAUTOCLAIM adds one).
            self._backdate(
                message.receipt, idle_ms=self._visibility_ms, attempts=message.attempt - 1
            )
            self._next_reclaim_ms = 0

    def depth(self) -> int:
        with _unavailable_as_storage_error():
            if self._delete_acknowledged:
                # Acknowledged and dead-lettered entries are deleted: what the stream
                # still holds is exactly what waits or is in hand (any Redis version).
                return int(self._redis.xlen(self.stream))
            self._ensure_group()
            for group in self._redis.xinfo_groups(self.stream):
                if _text(group["name"]) == self.group:
                    lag = group.get("lag")  # Redis >= 7: entries never delivered
                    if lag is not None:
                        return int(lag) + int(group["pending"])
            return int(self._redis.xlen(self.stream))  # an upper bound

    def drain_settled(self) -> list[UUID]:
        return []  # durable: the relay marks events published as soon as XADD succeeds

    def close(self) -> None:
        """Leave the group if this consumer holds no message (so the group does not
        collect one consumer per process ever started), then close the connection. A
        consumer still holding messages stays: deleting it would drop them."""
        try:
            if self._group_ready and not self._redis.xpending_range(
                self.stream, self.group, min="-", max="+", count=1, consumername=self.consumer
            ):
                self._redis.xgroup_delconsumer(self.stream, self.group, self.consumer)
        except redis.RedisError:
            logger.debug("could not leave the consumer group", exc_info=True)
        self._redis.close()

    # Inspection and repair ---------------------------------------------------------

    def pending_count(self) -> int:
        """Messages delivered to some consumer and not yet acknowledged."""
        with _unavailable_as_storage_error():
            self._ensure_group()
            summary: Any = self._redis.xpending(self.stream, self.group)
            return int(summary["pending"])

    def dead_letters(self, count: int = 100) -> list[tuple[str, Event | None, str, int]]:
        """``(entry id, event or None if undecodable, last error, attempts)``, oldest first."""
        with _unavailable_as_storage_error():
            entries: Any = self._redis.xrange(self.dead_letter_stream, count=count)
        letters: list[tuple[str, Event | None, str, int]] = []
        for entry_id, fields in entries:
            data = {_text(k): _text(v) for k, v in fields.items()}
            try:
                event: Event | None = event_from_json(data.get("event", ""))
            except (ValueError, KeyError, TypeError):
                event = None
            letters.append(
                (_text(entry_id), event, data.get("error", ""), int(data.get("attempts", 0)))
            )
        return letters

    def replay_dead_letters(self, count: int = 100) -> int:
        """Put dead letters back on the stream for a fresh set of attempts."""
        replayed = 0
        with _unavailable_as_storage_error():
            entries: Any = self._redis.xrange(self.dead_letter_stream, count=count)
            for entry_id, fields in entries:
                data = {_text(k): _text(v) for k, v in fields.items()}
                pipe = self._redis.pipeline(transaction=True)
                pipe.xadd(self.stream, {"event": data.get("event", "")})
                pipe.xdel(self.dead_letter_stream, entry_id)
                pipe.execute()
                replayed += 1
        return replayed

    # Internals ---------------------------------------------------------------------

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            # From "0": events published before any worker ever started are consumed too.
            self._redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._group_ready = True

    def _reclaim(self, max_messages: int) -> list[Message]:
        # When to look is this process's business (a local clock); how long a message
        # has been idle is Redis's (XAUTOCLAIM's min-idle-time), so workers agree on it.
        now_ms = int(time.monotonic() * 1000)
        if now_ms < self._next_reclaim_ms:
            return []
        self._next_reclaim_ms = now_ms + self._reclaim_interval_ms
        response: Any = self._redis.xautoclaim(
            self.stream,
            self.group,
            self.consumer,
            min_idle_time=self._visibility_ms,
            start_id="0-0",
            count=max_messages,
        )
        claimed = response[1]
        deleted = response[2] if len(response) > 2 else []
        if deleted:  # pending entries whose data is gone: nothing left to do with them
            self._redis.xack(self.stream, self.group, *deleted)
        if not claimed:
            return []
        self._next_reclaim_ms = 0  # there may be more: look again on the next call
        pipe = self._redis.pipeline(transaction=False)
        for entry_id, _fields in claimed:
            pipe.xpending_range(self.stream, self.group, min=entry_id, max=entry_id, count=1)
        counts = pipe.execute()
        messages: list[Message] = []
        for (entry_id, fields), pending in zip(claimed, counts, strict=True):
            entry = _text(entry_id)
            attempt = int(pending[0]["times_delivered"]) if pending else self._max_attempts + 1
            if attempt > self._max_attempts:
                raw = _text(fields.get(b"event", fields.get("event", b"")))
                logger.error(
                    "message %s was not acknowledged after %d deliveries", entry, attempt - 1
                )
                self._dead_letter(
                    entry, raw, "not acknowledged in time (consumer died?)", attempt - 1
                )
                continue
            message = self._decode(entry, fields, attempt=attempt)
            if message is not None:
                messages.append(message)
        return messages

    def _decode(self, entry_id: str, fields: Any, *, attempt: int) -> Message | None:
        data = {_text(k): _text(v) for k, v in fields.items()}
        raw = data.get("event", "")
        try:
            event = event_from_json(raw)
        except (ValueError, KeyError, TypeError) as error:
            logger.error("message %s is not an event: dead-lettered", entry_id)
            self._dead_letter(entry_id, raw, f"undecodable: {error}", attempt)
            return None
        return Message(event=event, receipt=entry_id, attempt=attempt)

    def _backdate(self, entry_id: str, *, idle_ms: int, attempts: int) -> None:
        self._redis.xclaim(
            self.stream,
            self.group,
            self.consumer,
            min_idle_time=0,
            message_ids=[entry_id],
            idle=max(idle_ms, 0),
            retrycount=max(attempts, 0),
            justid=True,
        )

    def _dead_letter(self, entry_id: str, raw_event: str, error: str, attempts: int) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.xadd(
            self.dead_letter_stream,
            {
                "event": raw_event,
                "error": error[:2000],
                "attempts": attempts,
                "message_id": entry_id,
                "failed_at": datetime.now(UTC).isoformat(),
            },
        )
        pipe.xack(self.stream, self.group, entry_id)
        pipe.xdel(self.stream, entry_id)
        pipe.execute()
