"""The distribution: its PyPI name, its extras, the README's install lines, the release
workflow."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from taskflow.version import DISTRIBUTION, pip_install

ROOT = Path(__file__).resolve().parents[1]


def _project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    assert isinstance(project, dict)
    return project


def test_the_distribution_is_not_openstacks_taskflow() -> None:
    # "taskflow" on PyPI is OpenStack's TaskFlow: pip would install that one.
    assert DISTRIBUTION != "taskflow"
    assert _project()["name"] == DISTRIBUTION


def test_the_extras_name_the_distribution_itself() -> None:
    extras = _project()["optional-dependencies"]
    assert isinstance(extras, dict)
    self_references = [
        requirement
        for requirements in extras.values()
        for requirement in requirements
        if requirement.startswith("taskflow")
    ]
    assert self_references
    assert all(r.startswith(f"{DISTRIBUTION}[") for r in self_references), self_references


def test_the_readme_installs_the_distribution_and_warns_about_openstack() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    installs = re.findall(r"^pip install (\S+)", readme, re.MULTILINE)
    assert installs
    assert all(name.strip("'").startswith(DISTRIBUTION) for name in installs), installs
    assert "OpenStack" in readme


def test_install_hints_name_the_distribution() -> None:
    assert pip_install() == "pip install taskflow-embed"
    assert pip_install("redis") == "pip install 'taskflow-embed[redis]'"


def test_the_release_workflow_publishes_tags_with_trusted_publishing() -> None:
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text("utf-8")
    assert "pypa/gh-action-pypi-publish@release/v1" in workflow
    assert "id-token: write" in workflow
    assert "tags:" in workflow
    assert "twine check" in workflow
    assert f"https://pypi.org/p/{DISTRIBUTION}" in workflow
