"""Write the reference server's OpenAPI document to client/openapi.json, the input of the
client's generated types (``npm run openapi``). tests/test_client_build.py fails when the
committed copy differs from what the server documents.

    PYTHONPATH=src python client/scripts/dump_openapi.py
"""

from __future__ import annotations

import json
from pathlib import Path

from taskflow.adapters.fastapi import create_app
from taskflow.testing import make_test_taskflow

OUT = Path(__file__).resolve().parent.parent / "openapi.json"


def document() -> dict[str, object]:
    with make_test_taskflow() as tf:
        return create_app(tf).openapi()


if __name__ == "__main__":
    OUT.write_text(json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")
