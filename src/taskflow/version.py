"""taskflow's version and distribution name: the one place each is written (the build
reads the version from here; pyproject.toml's ``name`` must equal ``DISTRIBUTION``).

The import package is ``taskflow``; the distribution on PyPI is ``taskflow-embed``, as
``taskflow`` there is OpenStack's TaskFlow (an unrelated library with the same import
name: the two cannot be installed in one environment)."""

from typing import Final

__all__ = ["DISTRIBUTION", "__version__", "pip_install"]

__version__ = "0.1.0.dev0"

DISTRIBUTION: Final = "taskflow-embed"
"""The name to ``pip install`` (and of ``importlib.metadata.version``)."""


def pip_install(*extras: str) -> str:
    """The command that installs taskflow with ``extras``:
    ``pip install 'taskflow-embed[redis]'``."""
    if not extras:
        return f"pip install {DISTRIBUTION}"
    return f"pip install '{DISTRIBUTION}[{','.join(extras)}]'"
