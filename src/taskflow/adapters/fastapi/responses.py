"""A JSON response whose body is already encoded (by pydantic's ``model_dump_json``)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

__all__ = ["JSONBytesResponse"]


class JSONBytesResponse(JSONResponse):
    """``application/json`` with the body given as bytes: the hot endpoints serialize
    their answer with pydantic directly instead of FastAPI's validate-then-encode of a
    returned model. A ``JSONResponse``, so that as a route's ``response_class`` FastAPI
    documents the route's ``response_model`` as its JSON body."""

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return super().render(content)
