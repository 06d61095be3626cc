"""The documentation's Python examples run as written.

Every ```python block of README.md and docs/*.md runs; the blocks of one file run in
order in one namespace, like a reader following along, in an empty current directory with
no taskflow setting in the environment. A block preceded by the line ``<!-- no-run -->``
is skipped (use it sparingly: for code that needs a server, say).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from taskflow import TaskFlow
from taskflow.settings import Settings, env_name

ROOT = Path(__file__).resolve().parents[1]
NO_RUN = "<!-- no-run -->"
FENCE = "```"


def python_blocks(markdown: str) -> list[tuple[int, str]]:
    """``(line number, code)`` of each ```python block not marked no-run."""
    blocks: list[tuple[int, str]] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip() == f"{FENCE}python":
            start = index + 1
            end = start
            while end < len(lines) and lines[end].strip() != FENCE:
                end += 1
            if end == len(lines):
                raise ValueError(f"line {index + 1}: a ```python block is never closed")
            skipped = index > 0 and lines[index - 1].strip() == NO_RUN
            if not skipped:
                blocks.append((start + 1, "\n".join(lines[start:end]) + "\n"))
            index = end
        index += 1
    return blocks


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


DOCUMENTS_WITH_CODE = [path for path in documents() if python_blocks(path.read_text("utf-8"))]


@pytest.fixture
def reader_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for field in Settings.model_fields:
        monkeypatch.delenv(env_name(field), raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("reader_environment")
@pytest.mark.parametrize(
    "document", DOCUMENTS_WITH_CODE, ids=[str(p.relative_to(ROOT)) for p in DOCUMENTS_WITH_CODE]
)
def test_python_examples_run(document: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An example may keep its TaskFlow open, as an application does for its whole life,
    # and need not even name it (``mount_taskflow(app, TaskFlow.from_settings(...))``):
    # every TaskFlow built while the examples run is closed afterwards, so its database
    # connections do not outlive the test (Python 3.13 warns about an unclosed SQLite one).
    built: list[TaskFlow] = []
    original_init = TaskFlow.__init__

    def recording_init(self: TaskFlow, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(TaskFlow, "__init__", recording_init)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    try:
        for line, code in python_blocks(document.read_text("utf-8")):
            compiled = compile(code, f"{document.relative_to(ROOT)}:{line}", "exec")
            exec(compiled, namespace)  # noqa: S102 - running the docs is the point
    finally:
        for tf in built:
            tf.close()


def test_the_readme_has_examples() -> None:
    assert ROOT / "README.md" in DOCUMENTS_WITH_CODE


def test_blocks_are_found_in_order_and_no_run_skips_one() -> None:
    markdown = "\n".join(
        [
            "intro",
            "```python",
            "a = 1",
            "```",
            NO_RUN,
            "```python",
            "raise SystemExit",
            "```",
            "```bash",
            "echo no",
            "```",
            "```python",
            "b = a + 1",
            "```",
        ]
    )
    assert python_blocks(markdown) == [(3, "a = 1\n"), (13, "b = a + 1\n")]


def test_an_unclosed_block_is_an_error() -> None:
    with pytest.raises(ValueError, match="never closed"):
        python_blocks("```python\nx = 1\n")
