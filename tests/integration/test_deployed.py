"""The deployed resources are what the stack promised."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration


def test_cluster_has_a_writer_and_two_readers_in_distinct_zones(aws, outputs):
    rds = aws("rds")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=outputs["aurora_cluster_id"])["DBClusters"][0]
    assert cluster["StorageEncrypted"] is True and cluster["Engine"] == "aurora-postgresql"
    assert cluster["BackupRetentionPeriod"] >= 7 and cluster["DeletionProtection"] is False
    members = cluster["DBClusterMembers"]
    assert len(members) == 3 and sum(m["IsClusterWriter"] for m in members) == 1
    zones = {rds.describe_db_instances(DBInstanceIdentifier=m["DBInstanceIdentifier"])["DBInstances"][0]
             ["AvailabilityZone"] for m in members}
    assert len(zones) == 3


def test_forward_task_is_full_load_and_cdc_with_validation(aws, outputs):
    tasks = aws("dms").describe_replication_tasks(Filters=[
        {"Name": "replication-task-arn", "Values": [outputs["dms_forward_task_arn"], outputs["dms_reverse_task_arn"]]}])
    by_arn = {t["ReplicationTaskArn"]: t for t in tasks["ReplicationTasks"]}
    forward, reverse = by_arn[outputs["dms_forward_task_arn"]], by_arn[outputs["dms_reverse_task_arn"]]
    assert forward["MigrationType"] == "full-load-and-cdc" and reverse["MigrationType"] == "cdc"
    assert json.loads(forward["ReplicationTaskSettings"])["ValidationSettings"]["EnableValidation"] is True


# What the deployed tasks and sources must say, as the DMS API returns it (AWS fills in every other setting).
STOPS = {"ApplyErrorInsertPolicy", "ApplyErrorUpdatePolicy", "ApplyErrorDeletePolicy", "DataErrorPolicy",
         "DataTruncationErrorPolicy", "TableErrorPolicy"}


def test_both_tasks_stop_instead_of_dropping_rows(aws, outputs):
    tasks = aws("dms").describe_replication_tasks(WithoutSettings=False, Filters=[
        {"Name": "replication-task-arn", "Values": [outputs["dms_forward_task_arn"], outputs["dms_reverse_task_arn"]]}])
    assert len(tasks["ReplicationTasks"]) == 2
    for task in tasks["ReplicationTasks"]:
        settings = json.loads(task["ReplicationTaskSettings"])
        errors = settings["ErrorBehavior"]
        assert {policy: errors.get(policy) for policy in STOPS} == dict.fromkeys(STOPS, "STOP_TASK"), \
            task["ReplicationTaskIdentifier"]
        target = settings["TargetMetadata"]
        assert target["BatchApplyEnabled"] is False and target["SupportLobs"] is True
        assert target["FullLobMode"] or target["LobMaxSize"] > 0
        assert settings["LoopbackPreventionSettings"]["EnableLoopbackPrevention"] is True


def test_postgres_sources_send_heartbeats_and_fail_on_lob_truncation(aws, outputs):
    dms = aws("dms")
    tasks = dms.describe_replication_tasks(Filters=[
        {"Name": "replication-task-arn", "Values": [outputs["dms_forward_task_arn"], outputs["dms_reverse_task_arn"]]}])
    sources = {t["SourceEndpointArn"] for t in tasks["ReplicationTasks"]}
    endpoints = dms.describe_endpoints(Filters=[{"Name": "endpoint-arn", "Values": sorted(sources)}])["Endpoints"]
    assert {e["EngineName"] for e in endpoints} == {"postgres", "aurora-postgresql"}
    for endpoint in endpoints:
        settings = endpoint["PostgreSQLSettings"]
        assert settings["HeartbeatEnable"] is True and settings["HeartbeatFrequency"] >= 1, endpoint["EndpointIdentifier"]
        assert settings["FailTasksOnLobTruncation"] is True and settings["CaptureDdls"] is False
        assert settings["PluginName"] in ("test_decoding", "pglogical")


def test_replication_instance_runs_a_pinned_engine_that_reads_postgresql_16(aws, outputs):
    instances = aws("dms").describe_replication_instances(Filters=[
        {"Name": "replication-instance-id", "Values": [outputs["dms_replication_instance_id"]]}])["ReplicationInstances"]
    assert len(instances) == 1
    version = tuple(int(p) for p in instances[0]["EngineVersion"].split("."))
    assert version >= (3, 5, 3) and instances[0]["AutoMinorVersionUpgrade"] is False


def weighted(aws, outputs, key: str = "record_name") -> dict[str, dict]:
    records = aws("route53").list_resource_record_sets(HostedZoneId=outputs["hosted_zone_id"])["ResourceRecordSets"]
    return {r["SetIdentifier"]: r for r in records if r["Name"].rstrip(".") == outputs[key]}


@pytest.mark.parametrize("key", ["record_name", "reader_record_name"])
def test_both_weighted_names_start_on_prem_with_the_configured_ttl(aws, outputs, invoke, key):
    records = weighted(aws, outputs, key)
    pair = {k: r["Weight"] for k, r in records.items()}
    assert set(pair) == {"onprem", "aurora"} and sum(pair.values()) == 100
    if invoke.local:  # freshly provisioned; a real deployment may be mid-migration
        assert pair == {"onprem": 100, "aurora": 0}
    assert {r["TTL"] for r in records.values()} == {int(outputs["record_ttl"])}


def test_the_data_api_is_on_for_the_controller(aws, outputs, invoke):
    if invoke.local:
        pytest.skip("moto turns the Data API on for Serverless v1 clusters only; AWS has it on provisioned "
                    "Aurora PostgreSQL 16.1+, and the synthesized enable_http_endpoint is tested in tests/stack")
    cluster = aws("rds").describe_db_clusters(DBClusterIdentifier=outputs["aurora_cluster_id"])["DBClusters"][0]
    assert cluster["HttpEndpointEnabled"] is True


def test_checkpoint_parameters(aws, outputs):
    ssm = aws("ssm")
    for key in ("state_parameter_name", "event_parameter_name"):
        parameter = ssm.get_parameter(Name=outputs[key], WithDecryption=True)["Parameter"]
        assert parameter["Type"] == "SecureString"
        json.loads(parameter["Value"])


def test_event_rules_route_to_the_controller(aws, outputs):
    events, function = aws("events"), aws("lambda").get_function(FunctionName=outputs["cutover_function_name"])
    names = events.list_rule_names_by_target(TargetArn=function["Configuration"]["FunctionArn"])["RuleNames"]
    rules = [events.describe_rule(Name=n) for n in names]
    patterns = [json.loads(r["EventPattern"]) for r in rules if r.get("EventPattern")]
    dms = next(p for p in patterns if p.get("source") == ["aws.dms"])
    assert "REPLICATION_TASK_FAILED" in dms["detail"]["eventType"]
    assert any(p.get("source") == ["aws.cloudwatch"] for p in patterns)
    assert any(r.get("ScheduleExpression") == "rate(1 minute)" for r in rules)


def test_lag_alarms_watch_the_task_resource_id(aws, outputs):
    alarms = aws("cloudwatch").describe_alarms(AlarmNames=outputs["lag_alarm_names"].split(","))["MetricAlarms"]
    assert len(alarms) == 2
    for alarm in alarms:
        dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
        assert dimensions["ReplicationTaskIdentifier"] == outputs["dms_forward_task_resource_id"]
        assert dimensions["ReplicationInstanceIdentifier"] == outputs["dms_replication_instance_id"]
        assert alarm["Threshold"] <= 60 and alarm["AlarmActions"] == [outputs["notification_topic_arn"]]


def test_dashboard_shows_the_latency_of_the_task(aws, outputs):
    body = json.loads(aws("cloudwatch").get_dashboard(DashboardName=outputs["dashboard_name"])["DashboardBody"])
    metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"]]
    assert any(m[1] == "CDCLatencyTarget" and outputs["dms_forward_task_resource_id"] in m for m in metrics)


def test_backup_plan_targets_the_vault(aws, outputs, invoke):
    backup = aws("backup")
    plans = backup.list_backup_plans()["BackupPlansList"]
    rules = [r for p in plans for r in backup.get_backup_plan(BackupPlanId=p["BackupPlanId"])["BackupPlan"]["Rules"]]
    assert any(r["TargetBackupVaultName"] == outputs["backup_vault_name"] for r in rules)
    if invoke.local:
        return  # the emulator has no ListBackupSelections: the selection of the cluster is checked in the gate
    selections = [s for p in plans for s in backup.list_backup_selections(BackupPlanId=p["BackupPlanId"])
                  ["BackupSelectionsList"]]
    assert selections


def test_peering_is_active(aws, outputs):
    peering = aws("ec2").describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[outputs["peering_connection_id"]])["VpcPeeringConnections"][0]
    assert peering["Status"]["Code"] == "active"


def test_the_assessment_results_bucket_is_private_encrypted_and_versioned(aws, outputs):
    s3, bucket = aws("s3"), outputs["assessment_bucket"]
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = encryption["ApplyServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms" and default["KMSMasterKeyID"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
