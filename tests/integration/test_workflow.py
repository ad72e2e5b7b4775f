"""The migration workflow on the deployment: event → checkpoint; a lag alarm during the reader canary rolls
back; the reader canary through every step, the writer flip, a rollback and the flip again; reverse
replication started; checkpoints versioned, labelled and on the customer-managed key."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta

import pytest

TICK = {"id": "tick", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}

pytestmark = pytest.mark.integration


def weights(aws, outputs, key: str = "record_name") -> tuple[int, int]:
    records = aws("route53").list_resource_record_sets(HostedZoneId=outputs["hosted_zone_id"])["ResourceRecordSets"]
    pair = {r["SetIdentifier"]: r["Weight"] for r in records if r["Name"].rstrip(".") == outputs[key]}
    return pair["onprem"], pair["aurora"]


def both(aws, outputs) -> tuple[tuple[int, int], tuple[int, int]]:
    """(writer name, reader name), each (on-prem, Aurora)."""
    return weights(aws, outputs), weights(aws, outputs, "reader_record_name")


def emulate_dms_latency(aws, outputs, invoke, seconds: float) -> None:
    """Stand in for DMS publishing its CDC latency (real DMS does this itself)."""
    if not invoke.local:
        return
    dims = [{"Name": "ReplicationInstanceIdentifier", "Value": outputs["dms_replication_instance_id"]},
            {"Name": "ReplicationTaskIdentifier", "Value": outputs["dms_forward_task_resource_id"]}]
    end = invoke.clock()
    aws("cloudwatch").put_metric_data(Namespace="AWS/DMS", MetricData=[
        {"MetricName": m, "Dimensions": dims, "Value": seconds, "Unit": "Seconds",
         "Timestamp": end - timedelta(minutes=k) + timedelta(seconds=30)}
        for m in ("CDCLatencySource", "CDCLatencyTarget") for k in range(1, 11)])


def tick(aws, outputs, invoke) -> dict:
    if invoke.local:
        invoke.clock.advance(16)
        emulate_dms_latency(aws, outputs, invoke, 4)
        invoke.validation(pending=2)
        return invoke(TICK)
    time.sleep(65)  # a real deployment ticks by itself every minute
    return invoke({"command": "status"})


def labels(aws, outputs) -> set[str]:
    history = aws("ssm").get_parameter_history(Name=outputs["state_parameter_name"])["Parameters"]
    return {label for version in history for label in version.get("Labels", [])}


def test_dms_event_records_a_checkpoint(aws, outputs, invoke):
    event = {"version": "0", "id": "integration-evt-1", "source": "aws.dms",
             "detail-type": "DMS Replication Task State Change", "resources": [outputs["dms_forward_task_arn"]],
             "detail": {"type": "REPLICATION_TASK", "eventType": "REPLICATION_TASK_STARTED",
                        "eventId": "DMS-EVENT-0069", "detailMessage": "Replication task started"}}
    if not invoke.local:
        pytest.skip("a real deployment receives DMS events from EventBridge; not injected here")
    assert invoke(event)["ok"]
    recorded = aws("ssm").get_parameter(Name=outputs["event_parameter_name"], WithDecryption=True)["Parameter"]
    assert json.loads(recorded["Value"])["last"]["event_type"] == "REPLICATION_TASK_STARTED"


def start(aws, outputs, invoke) -> None:
    emulate_dms_latency(aws, outputs, invoke, 3)
    invoke.validation()
    status = invoke({"command": "status"})
    assert status["ok"] and status["ready_to_start"], status.get("gates")
    invoke.validation()
    started = invoke({"command": "start-cutover", "reason": "integration run"})
    assert started["ok"] and started["phase"] == "shifting", started


def walk(aws, outputs, invoke, until) -> list:
    """Ticks until the (writer, readers) weights reach `until`, or the phase is awaiting-flip."""
    seen = [both(aws, outputs)]
    deadline = time.monotonic() + float(os.environ.get("MIGRATION_INTEGRATION_TIMEOUT", "1800"))
    while seen[-1] != until and time.monotonic() < deadline:
        result = tick(aws, outputs, invoke)
        if both(aws, outputs) != seen[-1]:
            seen.append(both(aws, outputs))
        if result.get("phase") == "awaiting-flip" and until == "awaiting-flip":
            break
    return seen


def flip(aws, outputs, invoke) -> dict:
    emulate_dms_latency(aws, outputs, invoke, 2)
    invoke.validation(pending=2)
    result = invoke({"command": "flip", "reason": "integration flip"})
    assert result["ok"] and result["phase"] == "cut-over", result
    return result


def test_assess_then_status_then_start_cutover_with_a_failing_then_a_passing_assessment(aws, outputs, invoke):
    if not invoke.local:
        pytest.skip("a real run takes DMS many minutes; the runbook's assess step is exercised by hand")
    dms = aws("dms")
    dms.stop_replication_task(ReplicationTaskArn=outputs["dms_forward_task_arn"])  # DMS assesses a stopped task
    invoke.expect_assessment_start()
    assert invoke({"command": "assess"})["outcome"] == "assessment started"
    dms.start_replication_task(ReplicationTaskArn=outputs["dms_forward_task_arn"],
                               StartReplicationTaskType="resume-processing")
    invoke.assessed("failed", {"postgres-check-pk": "failed", "postgres-check-wal-level": "passed"})
    emulate_dms_latency(aws, outputs, invoke, 3)
    invoke.validation()
    status = invoke({"command": "status"})
    gate = next(g for g in status["gates"] if g["name"].startswith("premigration assessment"))
    assert not gate["ok"] and "postgres-check-pk" in gate["measured"] and outputs["assessment_bucket"] in gate["measured"]
    invoke.validation()
    refused = invoke({"command": "start-cutover"})
    assert refused["ok"] is False and "postgres-check-pk" in refused["error"]
    invoke.assessed("passed", {"postgres-check-pk": "passed", "postgres-check-wal-level": "passed"})
    invoke.validation()
    assert invoke({"command": "status"})["ready_to_start"] is True


def test_lag_alarm_during_the_canary_rolls_back(aws, outputs, invoke):
    start(aws, outputs, invoke)
    first = int(invoke.settings.canary_steps[0]) if invoke.local else 10
    assert walk(aws, outputs, invoke, ((100, 0), (100 - first, first))) == [((100, 0), (100, 0)),
                                                                              ((100, 0), (100 - first, first))]
    alarm = {"version": "0", "id": "integration-alarm-1", "source": "aws.cloudwatch",
             "detail-type": "CloudWatch Alarm State Change",
             "detail": {"alarmName": outputs["lag_alarm_names"].split(",")[1],
                        "state": {"value": "ALARM", "reason": "integration: lag over the threshold"}}}
    # A real deployment gets the alarm from EventBridge; there the operator's rollback stands in for it.
    result = invoke(alarm) if invoke.local else invoke({"command": "rollback", "reason": "integration"})
    assert result["ok"] and result["phase"] == "rolled-back", result
    assert both(aws, outputs) == ((100, 0), (100, 0))
    assert "rolled-back" in labels(aws, outputs)


def test_readers_canary_then_writes_flip_and_reverse_replication_runs(aws, outputs, invoke):
    start(aws, outputs, invoke)
    seen = walk(aws, outputs, invoke, "awaiting-flip")
    steps = [int(s) for s in invoke.settings.canary_steps] if invoke.local else [10, 50, 100]
    assert seen == [((100, 0), (100, 0))] + [((100, 0), (100 - p, p)) for p in steps]  # the writer never splits
    flip(aws, outputs, invoke)
    assert both(aws, outputs) == ((0, 100), (0, 100))
    state = json.loads(aws("ssm").get_parameter(Name=outputs["state_parameter_name"], WithDecryption=True)
                       ["Parameter"]["Value"])
    if invoke.settings.fenced if invoke.local else state.get("fenced") is not None:  # the default: fenced
        assert state["fenced"] == ["onprem"] and state["flip"]["write_pause_seconds"] is not None, state
    reverse = aws("dms").describe_replication_tasks(Filters=[
        {"Name": "replication-task-arn", "Values": [outputs["dms_reverse_task_arn"]]}])["ReplicationTasks"][0]
    assert reverse["Status"] in ("running", "starting")
    assert {"cutover-started", "cutover-complete"} <= labels(aws, outputs)
    history = aws("ssm").get_parameter_history(Name=outputs["state_parameter_name"])["Parameters"]
    assert len(history) >= 8  # every transition is a new version


def test_rollback_after_the_flip_returns_both_names_then_the_flip_again(aws, outputs, invoke):
    result = invoke({"command": "rollback", "reason": "integration: drill"})
    assert result["ok"] and result["phase"] == "rolled-back" and both(aws, outputs) == ((100, 0), (100, 0))
    invoke.validation()
    status = invoke({"command": "status"})
    if status["state"].get("flip", {}) and status["state"]["flip"].get("direction") == "to-onprem":
        # fenced: the rollback set on-prem's sequences itself and fenced Aurora
        assert status["state"]["sequences"]["onprem_synced"]["count"] > 0 and status["state"]["fenced"] == ["aurora"]
    else:
        assert status["onprem_sequence_statements"], "after writes on Aurora, on-prem gets its setval statements"
    start(aws, outputs, invoke)
    walk(aws, outputs, invoke, "awaiting-flip")
    flip(aws, outputs, invoke)
    assert both(aws, outputs) == ((0, 100), (0, 100))


def test_status_shows_the_data_gates_with_their_values(aws, outputs, invoke):
    invoke.validation()
    status = invoke({"command": "status"})
    gates = {g["name"]: g for g in status["gates"]}
    assert gates["every migrated table has a primary key or a NOT NULL unique index"]["ok"]
    assert gates["loopback control schema awsdms_loopback on Aurora"]["measured"] == "present"
    assert "rds.logical_replication=1" in gates["rds.logical_replication on and the writer's parameters in sync"][
        "measured"]
    assert "WRITER" in status["aurora_connections"] and "replication_backlog" in status


def test_checkpoints_stay_on_the_customer_managed_key_after_the_controllers_writes(aws, outputs):
    """PutParameter without KeyId would have moved them to alias/aws/ssm (moto would have kept the old key,
    so the emulated run also checks that every write named it: see tests/controller/test_durability.py)."""
    names = [outputs["state_parameter_name"], outputs["event_parameter_name"]]
    described = aws("ssm").describe_parameters(ParameterFilters=[{"Key": "Name", "Values": names}])["Parameters"]
    key_id = outputs["checkpoint_key_arn"].rsplit("/", 1)[1]
    assert {p["Name"] for p in described} == set(names)
    for parameter in described:
        if parameter["Name"] == outputs["state_parameter_name"]:
            assert parameter["Version"] > 1, "the controller has written it"
        assert parameter["KeyId"] != "alias/aws/ssm" and parameter["KeyId"].rsplit("/", 1)[-1] == key_id
