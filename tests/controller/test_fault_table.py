"""State before side effects: no failure of any single AWS call of a full run loses a checkpoint, a label or
a notice. Each distinct operation fails once, at its first and at its last call."""

from __future__ import annotations

import contextlib
import functools

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from moto import mock_aws

from tests.controller.walk import MILESTONES, TICK, labels, recorded_world
from tests.controller.world import World

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


@functools.cache
def fault_free_run() -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The calls and notices of a full run without faults; collection needs its calls, the tests its notices."""
    mp = pytest.MonkeyPatch()
    try:
        with mock_aws():
            world = recorded_world(mp)
            for _ in range(3):
                world.expect_backup()
            full_run(world)
            return tuple((s, op) for s, op, _ in world.calls), tuple(world.notices())
    finally:
        mp.undo()


def fault_cases():
    """Each distinct operation of the run, failing once at its first and once at its last occurrence; the
    three kinds of fault rotate over the operations, so every kind meets first and last calls of many."""
    calls, _ = fault_free_run()
    kinds = list(FAULTS)
    cases = []
    for index, operation in enumerate(dict.fromkeys(calls)):
        count = calls.count(operation)
        occurrences = {1: kinds[index % 3], count: kinds[(index + 1) % 3]}  # one entry when called once
        for occurrence, kind in occurrences.items():
            cases.append(pytest.param(*operation, kind, occurrence,
                                      id=f"{operation[0]}.{operation[1]}#{occurrence}-{kind}"))
    return cases


@pytest.mark.slow
@pytest.mark.parametrize(("service", "operation", "kind", "occurrence"), fault_cases())
def test_one_failed_call_loses_no_checkpoint_label_or_notice(monkeypatch, service, operation, kind,
                                                            occurrence):
    expected_notices = list(fault_free_run()[1])
    with mock_aws():
        world = recorded_world(monkeypatch)
        for _ in range(3):  # a retried StartBackupJob reuses its idempotency token, so the job is the same
            world.expect_backup()
        fired = inject(world, service, operation, FAULTS[kind], occurrence)
        full_run(world)
        assert fired["fired"], f"the run never made call {occurrence} of {service}:{operation}"
        state = world.state()
        assert state["pending"] == []
        assert (state["writer"]["onprem"], state["writer"]["aurora"]) == world.weights() == (100, 0)
        assert state["phase"] == "rolled-back" and state["backup_job"] and state["restore"]["cluster_id"]
        assert labels(world) >= MILESTONES and set(state["milestones"]) >= MILESTONES
        assert world.task("reverse").status == "running"
        notices = world.notices()
        # At least once: every notice of the fault-free run arrives; a crash between a notice and its
        # confirmation may repeat one, never drop one. A failed weight change adds its own notice.
        extra = {"Cutover step not confirmed"} if service == "route53" else set()
        assert set(expected_notices) <= set(notices) <= set(expected_notices) | extra
        assert all(notices.count(n) >= expected_notices.count(n) for n in set(expected_notices))
