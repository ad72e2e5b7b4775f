"""AWS clients created on first use.

Creating a client loads its service model (7 to 60 ms each, about 190 ms for all eight). Most invocations,
the ticks between canary steps, call only Parameter Store and Route 53: a cold start pays only for the
clients its invocation calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class LazyClient:
    def __init__(self, service: str, factory: Callable[[str], Any]):
        self._service, self._factory, self._client = service, factory, None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._factory(self._service)
        return getattr(self._client, name)
