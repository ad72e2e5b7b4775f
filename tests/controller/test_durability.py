"""Checkpoint durability on emulated AWS: the customer-managed key on every write, and a version budget no
sequence of inputs can exhaust (single failed calls: test_fault_table.py)."""

from __future__ import annotations

import random

import pytest
from moto import mock_aws

from tests.controller.walk import MILESTONES, TICK, labels, recorded_world
from tests.controller.world import World


@pytest.fixture
def world(monkeypatch):
    with mock_aws():
        yield recorded_world(monkeypatch)


def tick(world: World, minutes: float = 16, n: int = 0) -> dict:
    world.clock.advance(minutes)
    world.latency(5)
    world.validation_clean(pending=1)
    return world.handle({**TICK, "id": f"tick-{n}-{world.clock().timestamp()}"})


# Every write names the key ------------------------------------------------------------------------------


def test_every_checkpoint_write_of_a_full_run_names_the_customer_managed_key(world):
    world.expect_backup()
    world.validation_clean()
    world.handle({"command": "start-cutover"})
    for n in range(5):
        if tick(world, n=n)["phase"] == "awaiting-flip":
            break
    world.latency(2)
    world.validation_clean(pending=1)
    assert world.handle({"command": "flip"})["phase"] == "cut-over"
    world.handle({"command": "rollback", "reason": "drill"})
    world.handle({"command": "restore-to-checkpoint"})
    world.handle({"id": "e1", "source": "aws.dms", "detail-type": "DMS Replication Task State Change",
                  "resources": [world.forward_arn], "detail": {"eventType": "REPLICATION_TASK_STARTED"}})
    puts = [params for service, op, params in world.calls if (service, op) == ("ssm", "PutParameter")]
    assert len(puts) >= 10 and {p["Name"] for p in puts} == {world.settings.state_parameter,
                                                              world.settings.event_parameter}
    assert [p.get("KeyId") for p in puts] == [world.checkpoint_key] * len(puts)
    described = world.clients["ssm"].describe_parameters()["Parameters"]
    assert {p["KeyId"] for p in described} == {world.checkpoint_key}


# The version budget ------------------------------------------------------------------------------------


def test_a_decision_that_changes_nothing_writes_no_version(world):
    world.validation_clean()
    before = len(world.history())
    for n in range(5):
        world.handle({**TICK, "id": f"idle-{n}"})
        world.handle({"id": f"ok-{n}", "source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change",
                      "detail": {"alarmName": world.settings.lag_alarm_names[0], "state": {"value": "OK"}}})
    assert len(world.history()) == before


@pytest.mark.slow
def test_a_thousand_mixed_inputs_after_labelled_milestones_leave_every_transition_writable(monkeypatch):
    """Alarm flaps hold and resume (two checkpoint versions each), DMS events of both tasks, duplicates and
    ticks, 1,000 in all, after labelled milestones; moto refuses a 101st version while the oldest is labelled."""
    with mock_aws():
        world = recorded_world(monkeypatch, rollback_on_alarm=False)
        for _ in range(3):
            world.expect_backup()
        world.validation_clean()
        assert world.handle({"command": "start-cutover"})["phase"] == "shifting"
        tick(world)  # 10 %: the cutover-started label now sits on an early version
        rng = random.Random(20261126)
        sent: list[dict] = []
        alarm = world.settings.lag_alarm_names[0]
        for n in range(1000):
            roll = rng.random()
            if sent and roll < 0.15:
                event = rng.choice(sent)  # a redelivery
            elif roll < 0.25:
                event = {"command": "resume", "reason": "operator clears a task hold"}
            elif roll < 0.6:
                state = "ALARM" if n % 2 == 0 else "OK"
                event = {"id": f"alarm-{n}", "source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change",
                         "detail": {"alarmName": alarm, "state": {"value": state, "reason": "flap"}}}
            elif roll < 0.8:
                event = {"id": f"dms-{n}", "source": "aws.dms", "detail-type": "DMS Replication Task State Change",
                         "resources": [rng.choice([world.forward_arn, world.reverse_arn])],
                         "detail": {"eventType": rng.choice(["REPLICATION_TASK_STARTED", "REPLICATION_TASK_STOPPED",
                                                             "REPLICATION_TASK_FAILED"])}}
            else:
                world.clock.advance(1)
                event = {**TICK, "id": f"tick-{n}"}
            if "command" not in event:
                sent.append(event)
            result = world.handle(event)
            assert result["ok"] or "nothing is held" in result.get("error", ""), result
            if n % 50 == 0:
                world.notices()  # drained as a subscriber would; moto's queue slows with every message it holds
        written = world.clients["ssm"].get_parameter(Name=world.settings.state_parameter)["Parameter"]["Version"]
        assert written > 150, f"only {written} versions: the run did not test the budget"
        world.handle({"command": "resume"}) if world.state()["phase"] == "held" else None
        assert world.handle({"command": "rollback", "reason": "after the flaps"})["phase"] == "rolled-back"
        world.notices()
        world.validation_clean()
        world.latency(5)
        restarted = world.handle({"command": "start-cutover"})
        assert restarted.get("phase") == "shifting", restarted
        steps = [tick(world, n=n)["weights"]["readers"]["aurora"] for n in range(3)]
        assert steps == [10, 50, 100]
        assert tick(world, n=3)["phase"] == "awaiting-flip"
        world.latency(2)
        world.validation_clean(pending=1)
        assert world.handle({"command": "flip"})["phase"] == "cut-over"
        assert world.handle({"command": "rollback"})["phase"] == "rolled-back"
        assert world.handle({"command": "restore-to-checkpoint"})["outcome"] == "restore started"
        assert labels(world) >= MILESTONES
        state = world.state()
        assert state["pending"] == [] and set(state["milestones"]) >= MILESTONES
