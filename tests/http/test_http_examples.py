"""The reference servers in examples/ (the code users copy) build and answer."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from starlette.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"example_{path.parent.name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def example_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("DATABASE_URL", "memory://")
    monkeypatch.setenv("TASKFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TASKFLOW_ARGON2_MEMORY_KIB", "1024")


def _signup_body():
    return {"email": "a@example.com", "password": "correct horse battery staple", "name": "A"}


def test_the_fastapi_example_serves_the_api(example_env):
    module = _load(EXAMPLES / "fastapi_app" / "app.py")
    try:
        client = TestClient(module.app)
        assert client.get("/health").json() == {"status": "ok"}
        assert client.post("/auth/signup", json=_signup_body()).status_code == 201
    finally:
        module.tf.close()


def test_the_flask_example_serves_the_api(example_env):
    module = _load(EXAMPLES / "flask_app" / "app.py")
    try:
        client = module.app.test_client()
        assert client.get("/health").get_json() == {"status": "ok"}
        assert client.post("/auth/signup", json=_signup_body()).status_code == 201
    finally:
        module.tf.close()
