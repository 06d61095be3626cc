"""The web client's committed build is the build of its committed sources, the API it is
typed from is the server's, and the wheel ships it.

- ``client/openapi.json`` is what the server documents (a contract change must be
  followed by ``npm run openapi && npm run build``: the client's types then break where
  the client no longer fits);
- ``client_dist/build-info.json`` holds the hash of the sources it was built from
  (``client/scripts/stamp.mjs``); it must equal the hash of the sources now;
- with Node and the client's packages at hand (always in CI): the generated types are
  those of ``openapi.json`` and the client type-checks.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from taskflow.adapters.web.client import CLIENT_DIST

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "client"
# As client/scripts/stamp.mjs lists them.
SOURCES = (
    "index.html",
    "openapi.json",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
    "public",
    "src",
)
REBUILD = "run `npm run openapi && npm run build` in client/ and commit the result"


def _sources_hash() -> str:
    files = sorted(
        path.relative_to(CLIENT).as_posix()
        for name in SOURCES
        for path in ([CLIENT / name] if (CLIENT / name).is_file() else (CLIENT / name).rglob("*"))
        if path.is_file()
    )
    total = hashlib.sha256()
    for name in files:
        content = (CLIENT / name).read_bytes().replace(b"\r\n", b"\n")
        total.update(f"{name}\0{hashlib.sha256(content).hexdigest()}\n".encode())
    return total.hexdigest()


def _node_tools() -> Path:
    """The client's npm packages' folder, or a skip (a failure in CI) without them."""
    missing = [
        what
        for what, present in (
            ("node (Node.js 20)", shutil.which("node") is not None),
            ("client/node_modules (npm ci in client/)", (CLIENT / "node_modules").is_dir()),
        )
        if not present
    ]
    if missing:
        reason = "needs " + ", ".join(missing)
        if os.environ.get("TASKFLOW_REQUIRE_SERVICES") == "1":
            pytest.fail(reason + " (TASKFLOW_REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    return CLIENT / "node_modules" / ".bin"


def test_the_committed_openapi_document_is_the_servers() -> None:
    sys.path.insert(0, str(CLIENT / "scripts"))
    try:
        from dump_openapi import document  # noqa: PLC0415 - the script's own function
    finally:
        sys.path.remove(str(CLIENT / "scripts"))
    committed = json.loads((CLIENT / "openapi.json").read_text("utf-8"))
    assert committed == json.loads(json.dumps(document())), (
        f"client/openapi.json is stale: {REBUILD}"
    )


def test_the_committed_build_is_the_build_of_the_committed_sources() -> None:
    info = json.loads((CLIENT_DIST / "build-info.json").read_text("utf-8"))
    assert info["sources_sha256"] == _sources_hash(), f"client_dist is stale: {REBUILD}"


def test_the_built_page_names_only_assets_that_are_there() -> None:
    page = (CLIENT_DIST / "index.html").read_text("utf-8")
    named = re.findall(r'(?:src|href)="\./(assets/[^"]+)"', page)
    assert any(name.endswith(".js") for name in named)
    assert any(name.endswith(".css") for name in named)
    for name in named:
        assert (CLIENT_DIST / name).is_file(), name
    assert sorted(p.name for p in (CLIENT_DIST / "assets").iterdir()) == sorted(
        Path(name).name for name in named
    ), "client_dist/assets holds files the page does not use: rebuild (emptyOutDir)"


@pytest.mark.client
def test_the_generated_types_are_those_of_the_document_and_the_client_type_checks(
    tmp_path: Path,
) -> None:
    tools = _node_tools()
    generated = tmp_path / "schema.d.ts"
    subprocess.run(
        [
            str(tools / "openapi-typescript"),
            "openapi.json",
            "--default-non-nullable",
            "false",
            "-o",
            str(generated),
        ],
        cwd=CLIENT,
        check=True,
        capture_output=True,
    )
    committed = (CLIENT / "src" / "api" / "schema.d.ts").read_text("utf-8")
    assert generated.read_text("utf-8") == committed, f"src/api/schema.d.ts is stale: {REBUILD}"
    checked = subprocess.run(
        [str(tools / "tsc"), "--noEmit"], check=False, cwd=CLIENT, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.slow
def test_the_wheel_ships_the_built_client(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder  # noqa: PLC0415 - a dev tool

    wheel = Path(next(iter(WheelBuilder(str(ROOT)).build(directory=str(tmp_path)))))
    names = set(zipfile.ZipFile(wheel).namelist())
    dist = "taskflow/adapters/web/client_dist/"
    shipped = {name.removeprefix(dist) for name in names if name.startswith(dist)}
    built = {p.relative_to(CLIENT_DIST).as_posix() for p in CLIENT_DIST.rglob("*") if p.is_file()}
    assert shipped == built
    assert not any(name.startswith("client/") for name in names)  # the sources stay out
