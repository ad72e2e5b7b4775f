"""Log lines through the standard library, to the root logger.

In Lambda the runtime's handler on the root logger formats every line: with the function's JSON log format the
fields passed here become keys of the JSON object, and `application_log_level` decides what is kept. Elsewhere
the caller's logging configuration applies. No handler of our own, so neither is ever bypassed.
"""

from __future__ import annotations

import json
import logging

_logger = logging.getLogger("cutover")


def line(message: str, *, phase: str, weights: dict, level: int = logging.INFO, **fields: object) -> None:
    """One decision or refusal, with the phase and both names' weights as structured fields."""
    extra = {key: value if isinstance(value, str | int | float | bool | type(None)) else
             json.loads(json.dumps(value, default=_plain)) for key, value in fields.items()}
    _logger.log(level, message, extra={"phase": phase, "weights": weights, **extra})


def _plain(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
