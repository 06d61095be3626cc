"""A bad rate-limit configuration is a one-line ``ConfigurationError`` that never repeats
the storage URL (a Redis URL may carry a password)."""

from __future__ import annotations

import pytest

from taskflow.adapters.web.ratelimit import RateLimiter
from taskflow.errors import ConfigurationError


@pytest.mark.parametrize("url", ["redsi://:s3cret@cache.internal:6379/0", "bogus://s3cret"])
def test_an_unknown_storage_scheme_is_a_configuration_error_without_the_url(url: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        RateLimiter({"default": "10/minute"}, url)
    assert "s3cret" not in str(raised.value)
    assert "cache.internal" not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_a_bad_rate_is_a_configuration_error_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="rate-limit"):
        RateLimiter({"default": "lots"})
