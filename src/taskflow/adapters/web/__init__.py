"""The framework-free half of the web integrations, shared by FastAPI and Flask.

Everything both frameworks must do the same way lives here, so the two reference servers
answer byte-for-byte alike: request schemas and response serializers (``schemas``), the
error mapping (``errors``), the client IP behind trusted proxies (``client_ip``), rate
limiting (``ratelimit``), security and CORS headers (``headers``), request ids and the
request log line (``requests``), readiness checks (``health``) and Sentry (``sentry``).
The framework adapters (``taskflow.adapters.fastapi``, ``taskflow.adapters.flask``) only
translate between their framework and these functions.
"""

from taskflow.adapters.web.config import WebConfig
from taskflow.adapters.web.runtime import WebRuntime

__all__ = ["WebConfig", "WebRuntime"]
