"""Stand-ins for AWS clients and gateways that are built on first use.

Every invocation reads the checkpoint and the records; most (the ticks between canary steps) call nothing
else. A cold start pays for every module it imports and every client it creates (a client loads its
service model: 7 to 60 ms each, about 190 ms for all eight), so the rest wait until an invocation uses them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class Lazy:
    """Forwards reads and writes to what `build` returns, calling it on first use."""

    def __init__(self, build: Callable[[], Any]):
        object.__setattr__(self, "_build", build)
        object.__setattr__(self, "_target", None)

    def _built(self) -> Any:
        if self._target is None:
            object.__setattr__(self, "_target", self._build())
        return self._target

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._built(), attribute)

    def __setattr__(self, attribute: str, value: Any) -> None:
        setattr(self._built(), attribute, value)


def gateway(module: str, name: str, client: Any, **settings: object) -> Lazy:
    """cutover.gateways.<module>.<name>(client, **settings), imported and built on first use."""
    return Lazy(lambda: getattr(importlib.import_module(f"cutover.gateways.{module}"), name)(client, **settings))
