"""The exception tree: stable codes, statuses, JSON bodies, and the docstring drawing."""

from __future__ import annotations

import inspect

import pytest

import taskflow.errors as errors_module
from taskflow.errors import (
    AccountLocked,
    InvalidInput,
    NotFound,
    RateLimited,
    TaskflowError,
    TaskNotFound,
)

ALL_ERRORS = [
    obj
    for _, obj in inspect.getmembers(errors_module, inspect.isclass)
    if issubclass(obj, TaskflowError) and not obj.__name__.startswith("_")
]


def test_every_error_has_a_unique_code() -> None:
    codes = [e.code for e in ALL_ERRORS]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("error", ALL_ERRORS, ids=lambda e: e.__name__)
def test_every_error_is_drawn_in_the_tree_with_its_code_and_status(error: type) -> None:
    doc = errors_module.__doc__ or ""
    line = next((ln for ln in doc.splitlines() if f" {error.__name__} " in f"{ln} "), None)
    assert line is not None, f"{error.__name__} is missing from the tree in errors.py"
    assert f"{error.status} {error.code}" in line


@pytest.mark.parametrize("error", ALL_ERRORS, ids=lambda e: e.__name__)
def test_every_error_is_exported(error: type) -> None:
    assert error.__name__ in errors_module.__all__


def test_errors_all_is_sorted() -> None:
    assert errors_module.__all__ == sorted(errors_module.__all__)


def test_subclasses_keep_their_family_status() -> None:
    assert TaskNotFound.status == 404
    assert issubclass(TaskNotFound, NotFound)


def test_to_dict_is_code_and_message() -> None:
    assert TaskNotFound().to_dict() == {"code": "task_not_found", "message": "Task not found."}


def test_invalid_input_names_the_fields() -> None:
    error = InvalidInput.for_field("email", "is not valid")
    assert error.to_dict()["fields"] == [{"field": "email", "message": "is not valid"}]
    assert error.status == 400


@pytest.mark.parametrize("error_type", [AccountLocked, RateLimited])
def test_retry_after_is_carried_and_never_negative(error_type: type[AccountLocked]) -> None:
    assert error_type(retry_after=90).to_dict()["retry_after"] == 90
    assert error_type(retry_after=-5).retry_after == 0
