"""The console's transport to an emulated deployment: the controller's own handler over moto and the suite's
real PostgreSQL (tests/controller/world.py), with time passing as the console waits. Loadable by name
(CUTOVER_CONSOLE_TRANSPORT=tests.console.emulated:connect) so a console in another process, in a terminal,
reaches it too."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

OPERATOR = "arn:aws:iam::123456789012:user/ana"


class Session:
    """What the console asks of a boto3 session: clients, here the emulated world's."""

    def __init__(self, clients: dict):
        self.clients = clients

    def client(self, name: str):
        return self.clients[name]


class WorldTransport:
    """Each call as EventBridge and time would have it: the bake passes and a tick runs before every status
    while the canary moves, and DMS's validation answers clean."""

    def __init__(self, world, handler):
        self.world, self.handler = world, handler
        self.sent: list[dict] = []

    def __call__(self, payload: dict) -> dict:
        self.sent.append(payload)
        phase = self.world.state()["phase"]
        shifting = phase in ("shifting", "awaiting-flip", "cut-over")
        if payload.get("command") == "status" and phase == "shifting":
            self.world.validation_clean(pending=3)
            self.world.clock.advance(16)
            self.world.latency(3)
            self.handler.handle({"id": f"tick-{len(self.sent)}", "source": "aws.events",
                                 "detail-type": "Scheduled Event", "detail": {}})
        self.world.latency(2)
        self.world.validation_clean(pending=3 if shifting else 0)
        return json.loads(json.dumps(self.handler.handle(payload), default=str))


def start(monkeypatch=None):
    """A world with its handler cold-started on the world's environment."""
    from tests.controller.world import World

    world = World()
    for key, value in world.env.items():
        if monkeypatch is not None:
            monkeypatch.setenv(key, value)
        else:
            os.environ[key] = value
    handler = importlib.reload(importlib.import_module("handler"))
    handler._controller = world.controller()
    for _ in range(3):
        world.expect_backup()
    return world, handler


def outputs_file(world, folder: Path) -> Path:
    path = folder / "flat-outputs.json"
    path.write_text(json.dumps({"cutover_function_name": "cutover-controller-test01",
                                "state_parameter_name": world.settings.state_parameter,
                                "event_parameter_name": world.settings.event_parameter,
                                "dms_replication_instance_id": world.settings.dms_instance_id,
                                "dms_forward_task_resource_id": world.settings.forward_task_resource_id}))
    return path


_session = None


def connect(deployment):
    """CUTOVER_CONSOLE_TRANSPORT's factory, for a console process of its own (the tmux test)."""
    global _session
    from moto import mock_aws

    if _session is None:
        mock = mock_aws()
        mock.start()
        world, handler = start()
        _session = (WorldTransport(world, handler), OPERATOR, Session(world.clients))
    return _session
