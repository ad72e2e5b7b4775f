"""The handler end to end against emulated AWS: a full canary cutover, rollback, restore, and faults."""

from __future__ import annotations

import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
from cutover.gateways.ssm import CheckpointConflictError
from cutover.models import ALL_ON_PREM, Command, Records, Weights

from tests.controller.fakes import failing_http
from tests.controller.walk import TICK, both, first_step, run_full_cutover, tick


def test_status_shows_every_gate_with_its_measurement(world):
    world.validation_clean()
    status = world.handle({"command": "status"})
    assert status["ok"] and status["phase"] == "replicating" and status["ready_to_start"] is True
    names = [g["name"] for g in status["gates"]]
    assert names == ["forward task running, full load complete", "data validation clean",
                     "CDCLatencySource <= 60 s for 5 min", "CDCLatencyTarget <= 60 s for 5 min",
                     "Aurora writer available", "reverse task ready",
                     "every migrated table has a primary key or a NOT NULL unique index",
                     "loopback control schema awsdms_loopback on Aurora",
                     "rds.logical_replication on and the writer's parameters in sync",
                     "no DMS apply exceptions since 1970-01-01T00:00:00+00:00",
                     "sequence sync reads its columns' maxima in under 30 s (index or size)",
                     "premigration assessment passed, newer than the task"]
    assert status["aurora_connections"] == {"WRITER": None, "READER": None}
    assert status["rollback"].startswith("lossless")
    assert all(g["measured"] for g in status["gates"])
    assert set(status["replication_backlog"]) == {"ReplicationSlotDiskUsage", "TransactionLogsDiskUsage",
                                                  "CDCIncomingChanges", "CDCChangesDiskSource"}


def test_status_shows_the_replication_backlog_as_measured(world):
    end = world.clock().replace(second=0, microsecond=0) - timedelta(minutes=2)
    writer = [{"Name": "DBClusterIdentifier", "Value": world.settings.cluster_id}, {"Name": "Role", "Value": "WRITER"}]
    task = [{"Name": "ReplicationInstanceIdentifier", "Value": world.settings.dms_instance_id},
            {"Name": "ReplicationTaskIdentifier", "Value": world.settings.forward_task_resource_id}]
    world.clients["cloudwatch"].put_metric_data(Namespace="AWS/RDS", MetricData=[
        {"MetricName": "ReplicationSlotDiskUsage", "Dimensions": writer, "Value": 7.5e9, "Timestamp": end}])
    world.clients["cloudwatch"].put_metric_data(Namespace="AWS/DMS", MetricData=[
        {"MetricName": "CDCIncomingChanges", "Dimensions": task, "Value": 1234, "Timestamp": end}])
    world.validation_clean()
    backlog = world.handle({"command": "status"})["replication_backlog"]
    assert backlog == {"ReplicationSlotDiskUsage": 7.5e9, "TransactionLogsDiskUsage": None,
                       "CDCIncomingChanges": 1234.0, "CDCChangesDiskSource": None}


def test_full_cutover_walks_every_canary_step_and_backs_up(world):
    world.expect_backup()
    seen = run_full_cutover(world)
    # Reads canary; the writer name never splits and moves in one step, after the readers baked at 100 %.
    assert seen == [((100, 0), (100, 0)), ((100, 0), (90, 10)), ((100, 0), (50, 50)), ((100, 0), (0, 100)),
                    ((0, 100), (0, 100))]
    state = world.state()
    assert state["phase"] == "cut-over" and state["backup_job"] == "job-0001"
    labels = {label for version in world.history() for label in version.get("Labels", [])}
    assert {"cutover-started", "cutover-complete"} <= labels
    notices = world.notices()
    assert "Cutover started" in notices and "Cutover complete" in notices
    world.backups.assert_no_pending_responses()


def test_no_shift_while_latency_is_over_the_threshold(world):
    world.validation_clean()
    world.handle({"command": "start-cutover"})
    for _ in range(3):
        world.clock.advance(16)
        world.latency(90)
        world.validation_clean(pending=1)
        result = world.handle(TICK)
        assert result["outcome"] == "waiting for gates"
    assert world.weights() == (100, 0)


def test_lag_alarm_rolls_back_and_checkpoints(world, samples):
    world.expect_backup()
    world.validation_clean()
    world.handle({"command": "start-cutover"})
    world.validation_clean(pending=1)
    tick(world, 1)
    assert both(world) == ((100, 0), (90, 10))
    alarm = dict(samples["cloudwatch-lag-alarm"], detail={**samples["cloudwatch-lag-alarm"]["detail"],
                                                           "alarmName": world.settings.lag_alarm_names[1]})
    result = world.handle(alarm)
    assert result["phase"] == "rolled-back" and both(world) == ((100, 0), (100, 0))
    again = world.handle(alarm)  # redelivered: changes nothing
    assert again["outcome"] == "duplicate event ignored"
    labels = {label for version in world.history() for label in version.get("Labels", [])}
    assert "rolled-back" in labels
    assert world.task("reverse").status == "running"  # on-prem stays current with Aurora's writes


def test_dms_event_is_recorded_and_notified(world, samples):
    event = dict(samples["dms-task-failed"], resources=[world.forward_arn])
    result = world.handle(event)
    assert result["ok"]
    recorded = world.clients["ssm"].get_parameter(Name=world.settings.event_parameter, WithDecryption=True)
    assert "REPLICATION_TASK_FAILED" in recorded["Parameter"]["Value"]
    assert any("REPLICATION_TASK_FAILED" in n for n in world.notices())


def test_restore_to_checkpoint_creates_a_new_cluster(world):
    world.expect_backup()
    run_full_cutover(world)
    dry = world.handle({"command": "restore-to-checkpoint", "dry_run": True})
    assert dry["dry_run"] and "RestoreCluster" in dry["would"][0]
    result = world.handle({"command": "restore-to-checkpoint", "reason": "bad batch job"})
    assert result["outcome"] == "restore started"
    cluster_id = result["restore"]["cluster_id"]
    assert cluster_id.startswith(world.settings.restore_cluster_prefix)
    clusters = world.clients["rds"].describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"]
    assert len(clusters) == 1
    world.validation_clean()
    status = world.handle({"command": "status"})
    assert status["state"]["restore"]["cluster_id"] == cluster_id and status["restore_status"] != "not found"


def test_dry_run_and_bad_input_write_nothing(world):
    before = world.history()
    world.validation_clean()
    dry = world.handle({"command": "start-cutover", "dry_run": True})
    assert dry["dry_run"] and dry["ok"]
    for bad in ({"command": "explode"}, {"command": "pause"}, "not json", {"source": "aws.s3"}, {"command": "list"},
                {"command": "list", "what": "everything"}, {"command": "status", "side": "onprem"},
                {"command": "unfence", "side": "both", "reason": "INC-1"}, {"command": "unfence", "side": "aurora"},
                {"command": "status", "after": "x"}):
        result = world.handle(bad)
        assert result["ok"] is False and result["error"]
    assert world.history() == before and world.weights() == (100, 0)
    assert world.task("reverse").status == "ready"


def test_route53_busy_is_retried_and_persistent_failure_changes_nothing(world, monkeypatch):
    """PriorRequestNotComplete answered on the wire: the client's standard retries absorb two of them."""
    import botocore.endpoint

    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=lambda _: None))
    sent: list[str] = []
    failing_http(world.clients["route53"], "ChangeResourceRecordSets", "PriorRequestNotComplete", sent=sent,
                 when=lambda: len(sent) <= 2 or bool(os.environ.get("ROUTE53_DOWN")))
    world.validation_clean()
    world.handle({"command": "start-cutover"})
    world.validation_clean(pending=1)
    tick(world, 1)
    assert world.reader_weights() == (90, 10) and len(sent) == 3  # two busy answers, then through
    world.notices()
    os.environ["ROUTE53_DOWN"] = "1"
    try:
        world.validation_clean(pending=1)
        result = tick(world, 16)
    finally:
        del os.environ["ROUTE53_DOWN"]
    assert result["ok"] is False and result["outcome"].startswith("shift not completed"), (result, sent)
    assert world.reader_weights() == (90, 10) and world.state()["readers"] == {"onprem": 90, "aurora": 10}, (result, sent)
    assert world.state()["pending"] == [] and world.notices() == ["Cutover step not confirmed"]


def test_crash_between_route53_and_checkpoint_is_repaired_by_the_next_tick(world):
    world.validation_clean()
    world.handle({"command": "start-cutover"})
    # The weights moved but the checkpoint write was lost (a crash): the records are the truth.
    world.controller().gw.route53.set_weights(Records(ALL_ON_PREM, Weights(90, 10)))
    assert world.state()["readers"] == {"onprem": 100, "aurora": 0}
    result = tick(world, 1)
    assert world.state()["readers"] == {"onprem": 90, "aurora": 10} and world.state()["phase"] == "shifting"
    assert result["weights"]["readers"] == {"onprem": 90, "aurora": 10}


def test_concurrent_checkpoint_write_is_detected(world):
    controller = world.controller()
    original = controller.gw.parameters.read

    def read_then_someone_writes():
        value, version = original()
        world.clients["ssm"].put_parameter(Name=world.settings.state_parameter, Value=value, Type="SecureString",
                                           Overwrite=True)
        controller.gw.parameters.read = original
        return value, version

    world.validation_clean()
    controller.handle(Command("start-cutover"))
    controller.gw.parameters.read = read_then_someone_writes
    with pytest.raises(CheckpointConflictError):
        controller.handle(Command("rollback"))


@pytest.mark.parametrize(("status", "expected"), [
    ("ready", [("start-replication", True)]),  # first run: start-replication at the cutover's start time
    ("stopped", [("resume-processing", False)]),  # ran before: resume from its own stop position
    ("starting", []),  # on its way: counts as started
    ("running", []),
])
def test_the_reverse_task_is_started_the_way_its_history_requires(world, status, expected):
    world.task("reverse").status = status
    world.validation_clean()
    world.handle = world.recorded(world.handle)
    assert world.handle({"command": "start-cutover"})["phase"] == "shifting"
    starts = [p for service, op, p in world.calls if op == "StartReplicationTask"]
    assert [(p["StartReplicationTaskType"], "CdcStartTime" in p) for p in starts] == expected
    assert all(p["ReplicationTaskArn"] == world.reverse_arn for p in starts)


def test_each_decision_publishes_the_cutover_as_embedded_metrics_and_names_its_operator(world, caplog):
    """CloudWatch's embedded metric format on the decision's own log line: every metric the document names is
    a number at the top of the record, every dimension a string (what Lambda's JSON format writes out)."""
    import json
    import logging

    world.validation_clean()
    with caplog.at_level(logging.INFO):
        world.handle({"command": "start-cutover", "reason": "CHG-1", "operator": "arn:aws:iam::123456789012:user/ana"})
    record = next(r for r in caplog.records if r.getMessage() == "decided")
    fields = json.loads(json.dumps({k: v for k, v in record.__dict__.items() if not k.startswith("__")}, default=str))
    document = fields["_aws"]["CloudWatchMetrics"][0]
    assert document["Namespace"] == "Migration/Cutover" and isinstance(fields["_aws"]["Timestamp"], int)
    for metric in document["Metrics"]:
        assert isinstance(fields[metric["Name"]], int | float), metric
    for dimension in document["Dimensions"][0]:
        assert isinstance(fields[dimension], str)
    assert (fields["WriterAuroraPercent"], fields["ReadersAuroraPercent"], fields["RollbackPending"]) == (0, 0, 0)
    assert fields["operator"] == "arn:aws:iam::123456789012:user/ana"
    assert world.state()["operator"] == "arn:aws:iam::123456789012:user/ana"
    world.validation_clean(pending=1)
    tick(world, 1)  # the first step: the controller's own decision
    assert world.state()["operator"] == "controller" and world.reader_weights() == (90, 10)


def test_status_names_the_next_step_and_what_it_waits_for(world):
    world.validation_clean()
    ready = world.handle({"command": "status"})
    assert ready["next"] == {"waiting_for": "the operator", "command": "cutover start"}
    first_step(world)
    world.validation_clean(pending=1)
    baking = world.handle({"command": "status"})
    assert baking["next"]["command"] is None and "the bake at readers 10%" in baking["next"]["waiting_for"]
