"""Checkpoint durability on emulated AWS: the customer-managed key on every write, a version budget no
sequence of inputs can exhaust, and state written before side effects so that no failure of any single
AWS call loses a checkpoint, a label or a notice."""

from __future__ import annotations

import contextlib
import importlib
import random

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from moto import mock_aws

from tests.controller.world import World

TICK = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
MILESTONES = {"cutover-started", "cutover-complete", "rolled-back", "restore-started"}


def make_world(monkeypatch, **env) -> World:
    world = World(**env)
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    handler = importlib.reload(importlib.import_module("handler"))
    handler._controller = world.controller()
    world.handle = world.recorded(handler.handle)
    return world


@pytest.fixture
def world(monkeypatch):
    with mock_aws():
        yield make_world(monkeypatch)


def tick(world: World, minutes: float = 16, n: int = 0) -> dict:
    world.clock.advance(minutes)
    world.latency(5)
    world.validation_clean(pending=1)
    return world.handle({**TICK, "id": f"tick-{n}-{world.clock().timestamp()}"})


def labels(world: World) -> set[str]:
    out, token = set(), None
    while True:
        kwargs = {"NextToken": token} if token else {}
        history = world.clients["ssm"].get_parameter_history(Name=world.settings.state_parameter, MaxResults=50,
                                                             **kwargs)
        out |= {label for version in history["Parameters"] for label in version.get("Labels", [])}
        token = history.get("NextToken")
        if not token:
            return out


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


def test_a_thousand_mixed_inputs_after_labelled_milestones_leave_every_transition_writable(monkeypatch):
    """Alarm flaps hold and resume (two checkpoint versions each), DMS events of both tasks, duplicates and
    ticks, 1,000 in all, after labelled milestones; moto refuses a 101st version while the oldest is labelled."""
    with mock_aws():
        world = make_world(monkeypatch, ROLLBACK_ON_ALARM="false")
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


# State before side effects: each AWS call of a full run fails once ----------------------------------------

FAULTS = {
    "throttling": lambda op: ClientError({"Error": {"Code": "Throttling", "Message": "slow down"},
                                          "ResponseMetadata": {"HTTPStatusCode": 400}}, op),
    "5xx": lambda op: ClientError({"Error": {"Code": "InternalFailure", "Message": "oops"},
                                   "ResponseMetadata": {"HTTPStatusCode": 500}}, op),
    "timeout": lambda op: ReadTimeoutError(endpoint_url=f"https://aws.example/{op}"),
}


def settle(world: World, trigger: dict, done, attempts: int = 6) -> None:
    """Invoke until `done(state)` holds with nothing pending, as EventBridge retries and later ticks would."""
    for n in range(attempts):
        world.validation_clean()
        world.latency(5)
        with contextlib.suppress(Exception):
            world.handle(dict(trigger, id=f"{trigger.get('id', 'cmd')}-{n}") if "source" in trigger else trigger)
        state = world.state()
        if done(state) and not state["pending"]:
            return
        world.clock.advance(1)
    raise AssertionError(f"did not settle: {world.state()}")


def full_run(world: World) -> None:
    world.notices()
    settle(world, {"command": "start-cutover", "reason": "CHG-7"}, lambda s: s["phase"] == "shifting")
    for n in range(12):
        world.clock.advance(15)
        settle(world, {**TICK, "id": f"t{n}"}, lambda s: True)
        if world.state()["phase"] == "awaiting-flip":
            break
    settle(world, {"command": "flip", "reason": "CHG-7"}, lambda s: s["phase"] == "cut-over" and s["backup_job"])
    settle(world, {"command": "rollback", "reason": "drill"}, lambda s: s["phase"] == "rolled-back")
    settle(world, {"command": "restore-to-checkpoint"}, lambda s: bool(s["restore"]))


def inject(world: World, service: str, operation: str, fault, occurrence: int) -> dict:
    """Fail the controller's `occurrence`-th call of the operation once."""
    seen = {"n": 0, "fired": False}

    def fail(**_):
        if not world.recording:
            return None
        seen["n"] += 1
        if seen["n"] == occurrence and not seen["fired"]:
            seen["fired"] = True
            raise fault(operation)
        return None

    clients = [c for name, c in world.clients.items() if name == service]
    if service == "dms":
        clients += [world.statistics.client, world.assessments.client]
    for client in clients:
        client.meta.events.register(f"provide-client-params.{service}.{operation}", fail)
    return seen


def baseline_calls(monkeypatch) -> tuple[list[tuple[str, str]], list[str]]:
    with mock_aws():
        world = make_world(monkeypatch)
        for _ in range(3):
            world.expect_backup()
        full_run(world)
        return [(s, op) for s, op, _ in world.calls], world.notices()


@pytest.fixture(scope="module")
def baseline():
    mp = pytest.MonkeyPatch()
    try:
        yield baseline_calls(mp)
    finally:
        mp.undo()


def fault_cases():
    """Each distinct operation of the run, failing once at its first and once at its last occurrence; the
    three kinds of fault rotate over the operations, so every kind meets first and last calls of many."""
    mp = pytest.MonkeyPatch()
    try:
        calls, _ = baseline_calls(mp)
    finally:
        mp.undo()
    kinds = list(FAULTS)
    cases = []
    for index, operation in enumerate(dict.fromkeys(calls)):
        count = calls.count(operation)
        occurrences = {1: kinds[index % 3], count: kinds[(index + 1) % 3]}  # one entry when called once
        for occurrence, kind in occurrences.items():
            cases.append(pytest.param(*operation, kind, occurrence,
                                      id=f"{operation[0]}.{operation[1]}#{occurrence}-{kind}"))
    return cases


@pytest.mark.parametrize(("service", "operation", "kind", "occurrence"), fault_cases())
def test_one_failed_call_loses_no_checkpoint_label_or_notice(monkeypatch, baseline, service, operation, kind,
                                                            occurrence):
    _, expected_notices = baseline
    with mock_aws():
        world = make_world(monkeypatch)
        for _ in range(3):  # a retried StartBackupJob reuses its idempotency token, so the job is the same
            world.expect_backup()
        fired = inject(world, service, operation, FAULTS[kind], occurrence)
        full_run(world)
        assert fired["fired"], f"the run never made call {occurrence} of {service}:{operation}"
        state = world.state()
        assert state["pending"] == []
        assert (state["weights"]["onprem"], state["weights"]["aurora"]) == world.weights() == (100, 0)
        assert state["phase"] == "rolled-back" and state["backup_job"] and state["restore"]["cluster_id"]
        assert labels(world) >= MILESTONES and set(state["milestones"]) >= MILESTONES
        assert world.task("reverse").status == "running"
        notices = world.notices()
        # At least once: every notice of the fault-free run arrives; a crash between a notice and its
        # confirmation may repeat one, never drop one. A failed weight change adds its own notice.
        extra = {"Cutover step not confirmed"} if service == "route53" else set()
        assert set(expected_notices) <= set(notices) <= set(expected_notices) | extra
        assert all(notices.count(n) >= expected_notices.count(n) for n in set(expected_notices))
