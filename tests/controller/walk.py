"""Walking the emulated world through a cutover, as the runbook does."""

from __future__ import annotations

import importlib

from tests.controller.world import World

TICK = {"id": "tick", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
# The checkpoint versions the controller labels, one per milestone.
MILESTONES = {"cutover-started", "cutover-complete", "rolled-back", "restore-started"}


def tick(world, minutes=1):
    world.clock.advance(minutes)
    world.latency(5)
    return world.handle(TICK)


def both(world) -> tuple[tuple[int, int], tuple[int, int]]:
    return world.weights(), world.reader_weights()


def run_reader_canary(world) -> list:
    """start-cutover, then ticks until the readers have baked at 100 %: (writer, readers) after each."""
    world.validation_clean()
    started = world.handle({"command": "start-cutover", "reason": "change CHG-1"})
    assert started["ok"] and started["phase"] == "shifting", started
    assert world.task("reverse").status == "running"  # started before any traffic reaches Aurora
    return ticks_to_the_flip(world, required=False)


def ticks_to_the_flip(world, *, required: bool = True) -> list:
    """Ticks, each past the bake, until the readers have baked at 100 % (awaiting-flip): (writer, readers) after
    each change. With `required`, not getting there is a failure."""
    seen = [both(world)]
    for _ in range(8):
        world.validation_clean(pending=3)  # CDC keeps adding pending validations while shifting
        result = tick(world, 16)
        if both(world) != seen[-1]:
            seen.append(both(world))
        if result["phase"] == "awaiting-flip":
            return seen
    assert not required, "the readers never reached the flip"
    return seen


def first_step(world) -> None:
    """start-cutover with clean gates, then the tick that takes the readers' first step."""
    world.validation_clean()
    world.handle({"command": "start-cutover"})
    world.validation_clean(pending=1)
    tick(world, 1)


def flip(world, **command) -> dict:
    world.validation_clean(pending=3)
    world.latency(2)
    return world.handle({"command": "flip", **command})


def run_full_cutover(world) -> list:
    seen = run_reader_canary(world)
    result = flip(world, reason="change CHG-1 flip")
    assert result["ok"] and result["phase"] == "cut-over", result
    seen.append(both(world))
    return seen


def recorded_world(monkeypatch, **env) -> World:
    """A world whose handler is the function's, cold-started on its environment, recording its AWS calls."""
    world = World(**env)
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    handler = importlib.reload(importlib.import_module("handler"))
    handler._controller = world.controller()
    world.handle = world.recorded(handler.handle)
    return world


def labels(world: World) -> set[str]:
    """Every label on any version of the checkpoint."""
    out, token = set(), None
    while True:
        kwargs = {"NextToken": token} if token else {}
        history = world.clients["ssm"].get_parameter_history(Name=world.settings.state_parameter, MaxResults=50,
                                                             **kwargs)
        out |= {label for version in history["Parameters"] for label in version.get("Labels", [])}
        token = history.get("NextToken")
        if not token:
            return out
