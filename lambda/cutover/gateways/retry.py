"""Bounded exponential backoff with jitter for the errors AWS asks callers to retry."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import ClientError

T = TypeVar("T")
RETRYABLE = {"PriorRequestNotComplete", "Throttling", "ThrottlingException", "TooManyRequestsException",
             "RequestLimitExceeded", "ServiceUnavailable"}


def with_backoff(call: Callable[[], T], *, attempts: int = 6, base: float = 0.2, cap: float = 5.0,
                 sleep: Callable[[float], None] = time.sleep) -> T:
    for attempt in range(attempts):
        try:
            return call()
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in RETRYABLE or attempt == attempts - 1:
                raise
            sleep(min(cap, base * 2 ** attempt) * (0.5 + random.random() / 2))
    raise AssertionError("unreachable")


def describe(error: Exception) -> str:
    """An AWS error with its code and HTTP status (an authorization failure reads as one)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return str(error)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return f"{response.get('Error', {}).get('Code') or 'error'} (HTTP {status}): {error}"
