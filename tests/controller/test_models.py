"""Input parsing: both DMS payload shapes, alarms, ticks, commands; malformed input is rejected."""

from __future__ import annotations

import pytest
from cutover.models import AlarmEvent, Command, InputError, State, TaskEvent, Tick, Weights, parse

from stack.constructs.checkpoints import INITIAL_STATE


def test_both_dms_shapes_parse(samples):
    for name in ("dms-task-started", "dms-task-failed", "dms-task-stopped-observed"):
        trigger = parse(samples[name])
        assert isinstance(trigger, TaskEvent)
        assert trigger.task_arn == samples[name]["resources"][0]
        assert trigger.event_type == samples[name]["detail"]["eventType"]
        assert trigger.event_id == samples[name]["id"]


def test_alarm_and_tick_parse(samples):
    alarm = parse(samples["cloudwatch-lag-alarm"])
    assert isinstance(alarm, AlarmEvent) and alarm.state == "ALARM"
    tick = parse({"id": "t1", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}})
    assert isinstance(tick, Tick)


def test_commands_parse():
    assert parse({"command": "start-cutover", "dry_run": True}) == Command("start-cutover", True)
    command = parse({"command": "restore-to-checkpoint", "restore_time": "2026-11-20T08:00:00Z"})
    assert command.restore_time.isoformat() == "2026-11-20T08:00:00+00:00"


@pytest.mark.parametrize(("event", "message"), [
    ([], "JSON object"),
    ({"command": "launch"}, "not one of"),
    ({"command": "status", "dry_run": "yes"}, "dry_run"),
    ({"command": "status", "force": True}, "unknown field"),
    ({"command": "pause", "restore_time": "2026-11-20T08:00:00Z"}, "only for restore"),
    ({"command": "restore-to-checkpoint", "restore_time": "yesterday"}, "ISO 8601"),
    ({"command": "restore-to-checkpoint", "restore_time": "2026-11-20T08:00:00"}, "time zone"),
    ({"source": "aws.dms", "detail-type": "DMS Replication Task State Change", "detail": {}}, "eventType"),
    ({"source": "aws.s3", "detail-type": "Object Created"}, "unknown input"),
])
def test_malformed_input_is_rejected(event, message):
    with pytest.raises(InputError, match=message):
        parse(event)


def test_the_stack_initial_checkpoint_is_a_valid_state():
    import json

    state = State.from_json(json.dumps(INITIAL_STATE))
    assert state.phase.value == "replicating" and state.weights == Weights(100, 0)
    assert State.from_json(state.to_json()) == state


def test_weights_must_sum_to_100():
    with pytest.raises(ValueError):
        Weights(50, 60)
    with pytest.raises(ValueError):
        Weights(0, 0)
