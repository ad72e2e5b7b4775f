"""Input parsing: both DMS payload shapes, alarms, ticks, commands; malformed input is rejected."""

from __future__ import annotations

import pytest
from cutover.models import AlarmEvent, Command, InputError, State, TaskEvent, Tick, Weights, parse, recorded_ids


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
    ({"command": "status", "colour": "red"}, "unknown field"),
    ({"command": "status", "force": True}, "only for rollback"),
    ({"command": "pause", "restore_time": "2026-11-20T08:00:00Z"}, "only for restore"),
    ({"command": "restore-to-checkpoint", "restore_time": "yesterday"}, "ISO 8601"),
    ({"command": "restore-to-checkpoint", "restore_time": "2026-11-20T08:00:00"}, "time zone"),
    ({"source": "aws.dms", "detail-type": "DMS Replication Task State Change", "detail": {}}, "eventType"),
    ({"source": "aws.s3", "detail-type": "Object Created"}, "unknown input"),
])
def test_malformed_input_is_rejected(event, message):
    with pytest.raises(InputError, match=message):
        parse(event)


def test_the_stack_initial_checkpoint_is_the_controllers_default_state(synthesized):
    parameters = {p["name"].rsplit("/", 1)[1]: p for p in synthesized.resources("aws_ssm_parameter")}
    state = State.from_json(parameters["state"]["value"])
    assert state == State()  # the controller reads exactly what it would start from
    assert state.phase.value == "replicating" and state.writer == Weights(100, 0) and not state.pending
    assert recorded_ids(parameters["last-event"]["value"]) == ()
    assert State.from_json(state.to_json()) == state


def test_the_synthesized_environment_is_exactly_the_settings_fields(synthesized):
    from cutover.settings import Settings

    variables = synthesized.function("cutover")["environment"]["variables"]
    assert set(variables) == {field.upper() for field in Settings._fields}


def test_the_stack_and_the_controller_accept_the_same_limits():
    from cutover.settings import LIMITS, Settings, SettingsError

    from stack.config_loading import ConfigError, load
    from tests.controller.fakes import environment

    paths = {"lag_threshold_seconds": "MIGRATION_MONITORING_LAG_THRESHOLD_SECONDS",
             "healthy_minutes": "MIGRATION_CUTOVER_HEALTHY_MINUTES", "bake_minutes": "MIGRATION_CUTOVER_BAKE_MINUTES",
             "flip_max_lag_seconds": "MIGRATION_CUTOVER_FLIP_MAX_LAG_SECONDS",
             "sequence_gap": "MIGRATION_CUTOVER_SEQUENCE_GAP",
             "flip_catchup_seconds": "MIGRATION_CUTOVER_FLIP_CATCHUP_SECONDS",
             "long_transaction_seconds": "MIGRATION_CUTOVER_LONG_TRANSACTION_SECONDS"}
    assert set(paths) == set(LIMITS)
    for field, (low, high) in LIMITS.items():
        for value, accepted in ((low - 1, False), (low, True), (high, True), (high + 1, False)):
            # The flip's lag limit may not exceed the alarm's: move them together where they meet.
            related = {paths["flip_max_lag_seconds"]: "1"} if field == "lag_threshold_seconds" else {}
            try:
                load({**related, paths[field]: str(value)})
                stack_ok = True
            except ConfigError:
                stack_ok = False
            try:
                Settings.from_env(environment(**{field: str(value)}))
                controller_ok = True
            except SettingsError:
                controller_ok = False
            assert stack_ok is controller_ok is accepted, (field, value)


def test_weights_must_sum_to_100():
    with pytest.raises(ValueError):
        Weights(50, 60)
    with pytest.raises(ValueError):
        Weights(0, 0)
