"""Every AWS client the controller uses, made one way.

- Retries are botocore's `standard` mode: exponential backoff with full jitter on throttling (Route 53's
  PriorRequestNotComplete included) and transient errors, at most `MAX_ATTEMPTS` requests per call.
- Every timestamp of every answer is made zone-aware (UTC) as the answer arrives, whatever produced it (AWS,
  an emulator, a stub): no decision downstream ever compares a naive time with an aware one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.config import Config

from cutover.settings import FENCE_CALL_SECONDS

# The budget of one call, against the function's timeout (cutover.settings.MIN_FUNCTION_TIMEOUT_SECONDS). Standard
# mode sleeps a random 0..2^n s between requests (n = 0, 1, 2: 7 s at most). A throttled call answers in well
# under a second, so 4 attempts cost about 10 s, not the 4 x 20 s read timeouts that only a hung endpoint
# reaches. The Data API runs a statement up to 45 s before it answers: a longer read timeout, and one retry, so
# its worst case (2 x 50 s + 1 s) still ends inside the function.
MAX_ATTEMPTS = 4
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 20
CONFIG = Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
                connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=READ_TIMEOUT_SECONDS)
DATA_API_CONFIG = CONFIG.merge(Config(retries={"mode": "standard", "total_max_attempts": 2}, read_timeout=50))
# The fence function answers within its own timeout; a second request after a read timeout would run the same
# step again beside the first (reserved concurrency 1 refuses it anyway), so one attempt: a failed fence call is
# a failed step, and the controller undoes its fences.
FENCE_CALL_CONFIG = CONFIG.merge(Config(retries={"mode": "standard", "total_max_attempts": 1},
                                        read_timeout=FENCE_CALL_SECONDS + 5))
CONFIGS = {"rds-data": DATA_API_CONFIG, "lambda": FENCE_CALL_CONFIG}


def make(name: str, session: Any = None, **kwargs: Any) -> Any:
    """A client of `name` (from `session`, boto3's default one otherwise) with the controller's retry budget and
    zone-aware timestamps."""
    if session is None:
        import boto3

        session = boto3
    client = session.client(name, config=CONFIGS.get(name, CONFIG), **kwargs)
    client.meta.events.register("after-call", utc_timestamps, unique_id="cutover-utc-timestamps")
    return client


def utc_timestamps(parsed: object = None, **_: object) -> None:
    """botocore's after-call hook: every naive datetime in the parsed answer becomes UTC, in place."""
    aware(parsed)


def aware(value: object) -> object:
    """`value` with every naive datetime inside it (dicts and lists, in place) read as UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = aware(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = aware(item)
    return value
