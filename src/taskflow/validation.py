"""Input validation at the service boundary: pydantic models in, ``InvalidInput`` out.

Services call ``validate(Model, **raw)``; a pydantic ``ValidationError`` never escapes.
Reusable field types live here too, so every service validates an email or a name the
same way.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import email_validator
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from taskflow.errors import InvalidInput
from taskflow.security.password_policy import password_problem

__all__ = [
    "Email",
    "InputModel",
    "Language",
    "Password",
    "PersonName",
    "TimeZoneName",
    "normalize_email",
    "trimmed",
    "validate",
]

M = TypeVar("M", bound=BaseModel)


class InputModel(BaseModel):
    """Base of every service input: unknown fields refused, values never coerced from
    the wrong type (``"1"`` is not an int), models frozen, text storable as UTF-8 and
    without a NUL character (see ``_storable_text``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value
        # JSON allows "\u0000", PostgreSQL text cannot hold it (the driver refuses it:
        # a 500), and no name, title or comment needs it: refused on every backend.
        # Passwords are only ever hashed, never stored as text: a NUL is fine there.
        if "\x00" in value and info.field_name not in _ANY_TEXT:
            raise ValueError("must not contain NUL characters")
        # Python's json accepts a lone surrogate ("\ud800"); the drivers, argon2 and the
        # token code all encode text as UTF-8, which cannot hold one (a 500 otherwise).
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (no lone surrogates)") from None
        return value


_ANY_TEXT = frozenset({"password", "current_password", "new_password"})
"""Fields exempt from the NUL rule (see ``InputModel``)."""


def validate(model: type[M], /, **raw: Any) -> M:
    """Build ``model`` from ``raw`` or raise ``InvalidInput`` naming each bad field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False, include_input=False):
            field = ".".join(str(part) for part in error["loc"]) or "body"
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.append({"field": field, "message": message})
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise InvalidInput(summary, errors) from None


def normalize_email(value: str) -> str:
    """Validate an email's syntax (no DNS lookups) and return it lower-cased, without the
    spaces a form or a paste may leave around it."""
    value = value.strip()
    if len(value) > 255:
        raise ValueError("must be at most 255 characters")
    try:
        checked = email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise ValueError(f"not a valid email address ({exc})") from None
    return checked.normalized.lower()


def trimmed(min_length: int, max_length: int) -> AfterValidator:
    """Strip surrounding whitespace, then require ``min..max`` characters. The text
    itself (Persian, emoji...) is kept exactly as given."""

    def check(value: str) -> str:
        value = value.strip()
        if not min_length <= len(value) <= max_length:
            raise ValueError(
                f"must be {min_length} to {max_length} characters after trimming spaces"
            )
        return value

    return AfterValidator(check)


def _check_password(value: str) -> str:
    problem = password_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not an IANA time zone (e.g. Asia/Tehran, UTC)") from None
    return value


Email = Annotated[str, AfterValidator(normalize_email)]
Language = Literal["fa", "en"]
"""A language the product speaks (``LANGUAGES`` in ``domain.notifications``)."""
TimeZoneName = Annotated[str, AfterValidator(_check_zone)]
"""An IANA time zone name (``Asia/Tehran``, ``UTC``)."""
PersonName = Annotated[str, trimmed(1, 100)]
Password = Annotated[str, AfterValidator(_check_password)]
