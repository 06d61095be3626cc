"""Catching mistyped setting names: ``TASKFLOW_RATE_LIMT``, ``DATABSE_URL`` in ``.env``,
``Settings(rate_limt=...)``. Silently ignored, such a typo leaves the default in force
(``DATABSE_URL`` quietly fell back to SQLite), so ``Settings`` refuses it at start with
one line naming the closest real setting.

What is refused:

- a keyword of ``Settings(...)`` that is no setting;
- a ``TASKFLOW_*`` variable, in the environment or in ``.env``, that is no setting (the
  prefix is taskflow's: nothing else should use it), except the known non-settings below;
- a ``.env`` key one or two edits away from a setting's variable (``DATABSE_URL``,
  ``SMTP_HOTS``). Other ``.env`` keys, and every other environment variable, belong to
  other programs and are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from taskflow.errors import ConfigurationError

__all__ = [
    "NOT_SETTINGS",
    "NOT_SETTINGS_PREFIXES",
    "PREFIX",
    "TEST_HARNESS_VARIABLES",
    "refuse_unknown_names",
]

PREFIX: Final = "TASKFLOW_"

NOT_SETTINGS: Final = frozenset({"TASKFLOW_REQUIRE_SERVICES"})
"""``TASKFLOW_*`` variables that are known and are not settings: the test harness's
(``TASKFLOW_REQUIRE_SERVICES=1`` makes a backend test fail instead of skipping)."""
NOT_SETTINGS_PREFIXES: Final = ("TASKFLOW_TEST_", "TASKFLOW_BENCH_")
"""The test suite's and the benchmarks' variables (``TEST_HARNESS_VARIABLES``...)."""
TEST_HARNESS_VARIABLES: Final = frozenset(
    {
        "TASKFLOW_REQUIRE_SERVICES",
        "TASKFLOW_TEST_BACKENDS",
        "TASKFLOW_TEST_POSTGRES_URL",
        "TASKFLOW_TEST_MARIADB_URL",
        "TASKFLOW_TEST_REDIS_URL",
        "TASKFLOW_TEST_RABBITMQ_URL",
    }
)
"""The test harness's variables (tests/conftest.py; ``.ci/run`` exports them): the
servers the backend tests use, and ``TASKFLOW_REQUIRE_SERVICES=1`` that makes a test of
an unreachable server fail instead of skipping. Known, so never refused."""

_NEAR_MISS: Final = 2
"""A ``.env`` key this many edits (or fewer) from a setting's variable is a typo of it."""


def refuse_unknown_names(
    *,
    variables: Mapping[str, str],
    keywords: Iterable[str] = (),
    keyword_aliases: Iterable[str] = (),
    environment: Iterable[str] = (),
    dotenv: Mapping[str, Iterable[str]] | None = None,
) -> None:
    """Raise ``ConfigurationError`` (one line) for the first unknown name.

    ``variables`` maps each setting's field name to its variable (``data_dir`` →
    ``TASKFLOW_DATA_DIR``); ``keywords`` are the names given to ``Settings(...)`` (also
    valid: a field name or one of ``keyword_aliases``, e.g. ``DATABASE_URL``);
    ``environment`` the names of the process's variables; ``dotenv`` the keys of each
    ``.env`` file read, by file name."""
    known_variables = {name.upper() for name in variables.values()}
    allowed_keywords = set(variables) | set(keyword_aliases)
    for keyword in keywords:
        if keyword.startswith("_") or keyword in allowed_keywords:
            continue  # _env_file and the like are pydantic-settings' own arguments
        closest = _closest(keyword.lower(), variables)
        raise ConfigurationError(
            f"Settings() got an unknown setting {keyword!r}: did you mean {closest!r}?"
        )
    for name in sorted(environment):
        if _is_unknown_taskflow_name(name.upper(), known_variables):
            raise ConfigurationError(
                f"Unknown setting {name} in the environment: did you mean "
                f"{_closest_variable(name.upper(), variables)}?"
            )
    for file, keys in (dotenv or {}).items():
        for key in keys:
            upper = key.upper()
            if upper in known_variables:
                continue
            if _is_unknown_taskflow_name(upper, known_variables) or _is_near_miss(
                upper, known_variables
            ):
                raise ConfigurationError(
                    f"Unknown setting {key} in {file}: did you mean "
                    f"{_closest_variable(upper, variables)}?"
                )


def _is_unknown_taskflow_name(name: str, known_variables: set[str]) -> bool:
    return (
        name.startswith(PREFIX)
        and name not in known_variables
        and name not in NOT_SETTINGS
        and name not in TEST_HARNESS_VARIABLES
        and not name.startswith(NOT_SETTINGS_PREFIXES)
    )


def _is_near_miss(name: str, known_variables: set[str]) -> bool:
    return any(edit_distance(name, known) <= _NEAR_MISS for known in known_variables)


def _closest(keyword: str, variables: Mapping[str, str]) -> str:
    """The field name closest to ``keyword`` (``rate_limt`` → ``rate_limit``)."""
    return min(sorted(variables), key=lambda field: edit_distance(keyword, field))


def _closest_variable(name: str, variables: Mapping[str, str]) -> str:
    """The variable closest to ``name``, compared whole (``DATABSE_URL`` →
    ``DATABASE_URL``) and without the prefix against the field names
    (``TASKFLOW_DATABASE_URL`` → ``DATABASE_URL``, the seed's name of ``database_url``)."""
    bare = name.removeprefix(PREFIX)

    def distance(field: str) -> int:
        variable = variables[field].upper()
        return min(edit_distance(name, variable), edit_distance(bare, field.upper()))

    return variables[min(sorted(variables), key=distance)]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the insertions, deletions and substitutions from a to b."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (char_a != char_b),
                )
            )
        previous = current
    return previous[-1]
