"""The emulated world every controller test starts from, with the function's environment and handler."""

from __future__ import annotations

import importlib

import pytest
from moto import mock_aws

from tests.controller.world import World


@pytest.fixture
def world(monkeypatch):
    with mock_aws():
        w = World()
        for key, value in w.env.items():
            monkeypatch.setenv(key, value)
        handler = importlib.import_module("handler")
        handler = importlib.reload(handler)  # settings are validated at import, as at a cold start
        handler._controller = w.controller()
        w.handle = handler.handle
        yield w
