"""Redis adapters: the Streams queue and the access-token denylist (``pip install
'taskflow-embed[redis]'``)."""

from taskflow.adapters.redis.queue import RedisStreamQueue
from taskflow.adapters.redis.token_store import RedisDenylistTokenStore

__all__ = ["RedisDenylistTokenStore", "RedisStreamQueue"]
