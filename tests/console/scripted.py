"""Transports for a console running in a process of its own (CUTOVER_CONSOLE_TRANSPORT), for the installed-command
tests: the emulated deployment with every payload logged to $CUTOVER_SENT_LOG, and a scripted controller whose
status replies come from $CUTOVER_SCRIPT (a JSON list, one reply per call, the last one repeated)."""

from __future__ import annotations

import json
import os


def _logged(transport):
    def send(payload: dict) -> dict:
        with open(os.environ["CUTOVER_SENT_LOG"], "a") as log:
            log.write(json.dumps(payload) + "\n")
        return transport(payload)

    return send


def emulated(deployment):
    from tests.console import emulated as world

    transport, who, aws = world.connect(deployment)
    return _logged(transport), who, aws


def script(deployment):
    replies = json.loads(os.environ["CUTOVER_SCRIPT"])
    calls = iter(range(10**6))

    def send(payload: dict) -> dict:
        return replies[min(next(calls), len(replies) - 1)]

    return _logged(send), "arn:aws:iam::123456789012:user/ana", None
