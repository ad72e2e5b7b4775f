"""Walking the emulated world through a cutover, as the runbook does."""

from __future__ import annotations

TICK = {"id": "tick", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


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
    seen = [both(world)]
    for _ in range(8):
        world.validation_clean(pending=3)  # CDC keeps adding pending validations while shifting
        result = tick(world, 16)
        if both(world) != seen[-1]:
            seen.append(both(world))
        if result["phase"] == "awaiting-flip":
            break
    return seen


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
