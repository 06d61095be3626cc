"""Moving committed events from the outbox to their handlers: the relay, the consumer and
the JSON form of an event on the wire. The worker that runs them (``worker``)
imports no adapter: adapters for the ``Queue`` port live in ``taskflow.adapters.memory``
(in-process) and ``taskflow.adapters.redis`` (Redis Streams)."""

from taskflow.messaging.codec import event_from_json, event_to_json
from taskflow.messaging.consumer import EventConsumer, EventHandler
from taskflow.messaging.relay import OutboxRelay

__all__ = ["EventConsumer", "EventHandler", "OutboxRelay", "event_from_json", "event_to_json"]
