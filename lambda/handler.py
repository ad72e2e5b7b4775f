"""Cutover controller entry point: parse, log, dispatch. The decisions live in cutover.logic."""

from __future__ import annotations

import functools
import logging

from cutover.gateways.clients import make as make_client
from cutover.gateways.lazy import Lazy
from cutover.log import line
from cutover.logic import CommandRefusedError
from cutover.models import InputError, parse
from cutover.service import CLIENTS, Controller, Gateways
from cutover.settings import Settings

SETTINGS = Settings.from_env()  # validated once per cold start
_controller: Controller | None = None


def controller() -> Controller:
    global _controller
    if _controller is None:
        clients = {name: Lazy(functools.partial(make_client, name)) for name in CLIENTS}
        _controller = Controller(SETTINGS, Gateways.from_clients(SETTINGS, clients))
    return _controller


def handle(event, context=None):
    try:
        trigger = parse(event)
    except InputError as error:
        line("rejected input", phase="unknown", weights={}, level=logging.WARNING, error=str(error))
        return {"ok": False, "error": str(error)}
    try:
        return controller().handle(trigger)
    except CommandRefusedError as error:
        line("command refused", phase="unknown", weights={}, level=logging.WARNING, error=str(error))
        return {"ok": False, "error": str(error)}
