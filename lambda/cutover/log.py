"""Structured JSON log lines, each carrying the migration's phase and weights."""

from __future__ import annotations

import json
import logging
import sys

_logger = logging.getLogger("cutover")
if not _logger.handlers:  # in Lambda the runtime's JSON format applies; elsewhere write JSON ourselves
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    _logger.addHandler(handler)
    _logger.setLevel(logging.INFO)
    _logger.propagate = False


def line(message: str, *, phase: str, weights: dict, level: int = logging.INFO, **fields: object) -> None:
    _logger.log(level, json.dumps({"message": message, "phase": phase, "weights": weights, **fields},
                                  default=str, sort_keys=True))
