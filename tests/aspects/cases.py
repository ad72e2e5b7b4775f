"""Minimal compliant and non-compliant constructs for every rule (cdk-nag's pattern).

Each case builds one small scenario twice: `ok=True` is fully compliant; `ok=False` changes the one
thing the rule is about. The non-compliant variant must trigger exactly that rule id.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from constructs import Construct

from foundation.aws.backup_vault import BackupVault
from foundation.aws.cloudwatch_event_rule import CloudwatchEventRule
from foundation.aws.cloudwatch_event_target import CloudwatchEventTarget
from foundation.aws.cloudwatch_log_group import CloudwatchLogGroup
from foundation.aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from foundation.aws.default_security_group import DefaultSecurityGroup
from foundation.aws.dms_endpoint import DmsEndpoint
from foundation.aws.dms_replication_instance import DmsReplicationInstance
from foundation.aws.dms_replication_task import DmsReplicationTask
from foundation.aws.iam_role_policy import IamRolePolicy
from foundation.aws.kms_key import KmsKey
from foundation.aws.lambda_function import LambdaFunction
from foundation.aws.lambda_permission import LambdaPermission
from foundation.aws.rds_cluster import RdsCluster
from foundation.aws.rds_cluster_instance import RdsClusterInstance
from foundation.aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from foundation.aws.route53_record import Route53Record
from foundation.aws.route53_zone import Route53Zone
from foundation.aws.s3_bucket import S3Bucket
from foundation.aws.s3_bucket_policy import S3BucketPolicy
from foundation.aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from foundation.aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
)
from foundation.aws.security_group import SecurityGroup, SecurityGroupIngress
from foundation.aws.sns_topic import SnsTopic
from foundation.aws.sns_topic_policy import SnsTopicPolicy
from foundation.aws.sqs_queue import SqsQueue
from foundation.aws.sqs_queue_policy import SqsQueuePolicy
from foundation.aws.ssm_parameter import SsmParameter
from foundation.aws.subnet import Subnet
from foundation.cdk import TerraformResourceLifecycle
from foundation.controller_contract import settings as controller_settings

MIN_FUNCTION_TIMEOUT_SECONDS = controller_settings.MIN_FUNCTION_TIMEOUT_SECONDS

SUFFIX = "case01"
DENY_PLAIN = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
              "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def cmk(scope: Construct, ok: bool = True) -> KmsKey:
    return KmsKey(scope, "cmk", enable_key_rotation=ok, deletion_window_in_days=7)


def cluster(scope: Construct, zones: tuple[str, ...] = ("a", "b", "c"), **overrides) -> RdsCluster:
    group = RdsClusterParameterGroup(scope, "pg", name=f"aurora-pg-{SUFFIX}", family="aurora-postgresql16",
                                     parameter=[RdsClusterParameterGroupParameter(
                                         name="rds.force_ssl", value=overrides.pop("force_ssl", "1"))])
    key = cmk(scope)
    settings = dict(cluster_identifier=f"aurora-{SUFFIX}", engine="aurora-postgresql", storage_encrypted=True,
                    kms_key_id=key.arn, db_cluster_parameter_group_name=group.name, deletion_protection=False,
                    skip_final_snapshot=True, manage_master_user_password=True, backup_retention_period=7,
                    master_user_secret_kms_key_id=key.arn, master_username="admin_user")
    watched = overrides.pop("watched", True)
    settings.update(overrides)
    db = RdsCluster(scope, "cluster", **settings)
    if watched:
        backlog_alarms(scope, cluster_id=settings["cluster_identifier"])
    for index, zone in enumerate(zones):
        RdsClusterInstance(scope, f"i{index}", identifier=f"aurora-{SUFFIX}-{index}", cluster_identifier=db.id,
                           engine="aurora-postgresql", instance_class="db.r6g.large", publicly_accessible=False,
                           availability_zone=f"us-east-1{zone}", performance_insights_enabled=True,
                           performance_insights_kms_key_id=key.arn)
    return db


# Task settings that lose nothing, written out here (not imported from the stack under test).
SAFE_TASK_SETTINGS = {
    "ValidationSettings": {"EnableValidation": True},
    "TargetMetadata": {"SupportLobs": True, "LimitedSizeLobMode": True, "LobMaxSize": 64, "BatchApplyEnabled": False},
    "ErrorBehavior": {"ApplyErrorInsertPolicy": "STOP_TASK", "ApplyErrorUpdatePolicy": "STOP_TASK",
                      "ApplyErrorDeletePolicy": "STOP_TASK", "DataErrorPolicy": "STOP_TASK",
                      "DataTruncationErrorPolicy": "STOP_TASK", "TableErrorPolicy": "SUSPEND_TABLE"},
}
SAFE_SOURCE = {"heartbeat_enable": True, "heartbeat_frequency": 5, "fail_tasks_on_lob_truncation": True,
               "capture_ddls": False}


def backlog_alarms(scope: Construct, *, resource_id: str | None = None, cluster_id: str | None = None) -> None:
    """The notifying alarms MIG-MON-002 asks for, on a task's resource id or a cluster."""
    metrics = ([("AWS/DMS", m, {"ReplicationTaskIdentifier": resource_id})
                for m in ("CDCChangesDiskSource", "CDCIncomingChanges")] if resource_id else []) + \
              ([("AWS/RDS", m, {"DBClusterIdentifier": cluster_id, "Role": "WRITER"})
                for m in ("TransactionLogsDiskUsage", "ReplicationSlotDiskUsage")] if cluster_id else [])
    for namespace, metric, dimensions in metrics:
        CloudwatchMetricAlarm(scope, f"watch-{metric}", alarm_name=f"{metric}-{SUFFIX}", namespace=namespace,
                              metric_name=metric, comparison_operator="GreaterThanThreshold", evaluation_periods=3,
                              period=60, threshold=1, statistic="Maximum", dimensions=dimensions,
                              alarm_actions=["arn:aws:sns:us-east-1:111122223333:notices"])


def task(scope: Construct, ok: bool, settings_override: dict | None = None, watched: bool = True,
         **overrides) -> DmsReplicationTask:
    settings = dict(replication_task_id=f"forward-{SUFFIX}", resource_identifier=f"fwd-{SUFFIX}",
                    migration_type="full-load-and-cdc", replication_instance_arn="arn", source_endpoint_arn="arn",
                    target_endpoint_arn="arn", table_mappings="{}",
                    replication_task_settings=json.dumps(settings_override or SAFE_TASK_SETTINGS),
                    lifecycle=TerraformResourceLifecycle(ignore_changes=["replication_task_settings"]))
    settings.update(overrides)
    if watched:
        backlog_alarms(scope, resource_id=settings["resource_identifier"])
    return DmsReplicationTask(scope, "task", **settings)


def topic_case(scope: Construct, *, encrypted: bool = True, tls: bool = True) -> None:
    key = cmk(scope)
    topic = SnsTopic(scope, "topic", name=f"notices-{SUFFIX}",
                     kms_master_key_id=key.arn if encrypted else "alias/aws/sns")
    statements = [DENY_PLAIN] if tls else [{**DENY_PLAIN, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]
    SnsTopicPolicy(scope, "topic-policy", arn=topic.arn,
                   policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))


def queue_case(scope: Construct, *, encrypted: bool = True) -> None:
    key = cmk(scope)
    queue = SqsQueue(scope, "queue", name=f"dlq-{SUFFIX}", kms_master_key_id=key.arn if encrypted else "")
    SqsQueuePolicy(scope, "queue-policy", queue_url=queue.url,
                   policy=json.dumps({"Version": "2012-10-17", "Statement": [DENY_PLAIN]}))


def endpoint(scope: Construct, *, ssl_mode: str = "require", key: bool = True, source: dict | None = None) -> None:
    DmsEndpoint(scope, "endpoint", endpoint_id=f"source-{SUFFIX}", endpoint_type="source", engine_name="postgres",
                ssl_mode=ssl_mode, kms_key_arn=cmk(scope).arn if key else None,
                postgres_settings=SAFE_SOURCE if source is None else source)


def instance(scope: Construct, *, key: bool = True, public: bool = False, version: str = "3.5.4",
             auto_upgrade: bool = False) -> None:
    DmsReplicationInstance(scope, "dms", replication_instance_id=f"dms-{SUFFIX}",
                           replication_instance_class="dms.r6i.large", publicly_accessible=public,
                           kms_key_arn=cmk(scope).arn if key else None, engine_version=version,
                           auto_minor_version_upgrade=auto_upgrade)


def aurora_instance(scope: Construct, *, pi_key: bool = True, public: bool = False) -> None:
    RdsClusterInstance(scope, "writer", identifier=f"aurora-{SUFFIX}-writer", cluster_identifier="c",
                       engine="aurora-postgresql", instance_class="db.r6g.large", publicly_accessible=public,
                       performance_insights_enabled=True,
                       performance_insights_kms_key_id=cmk(scope).arn if pi_key else None)


def policy(scope: Construct, statement: dict) -> None:
    IamRolePolicy(scope, "policy", role="r", name=f"p-{SUFFIX}",
                  policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))


def parameter(scope: Construct, *, secure: bool = True, key: bool = True, ignore: bool = True) -> None:
    SsmParameter(scope, "param", name=f"/migration/{SUFFIX}/state", type="SecureString" if secure else "String",
                 key_id=cmk(scope).arn if key else "alias/aws/ssm", value="{}",
                 lifecycle=TerraformResourceLifecycle(ignore_changes=["value"] if ignore else []))


def function(scope: Construct, *, key: bool = True) -> None:
    LambdaFunction(scope, "fn", function_name=f"cutover-{SUFFIX}", role="arn", runtime="python3.12",
                   handler="h.h", filename="f.zip", environment={"variables": {"A": "1"}},
                   kms_key_arn=cmk(scope).arn if key else None)


def record_pair(scope: Construct, aurora_weight: int, ignore: tuple[str, ...] = ("weighted_routing_policy",),
                ttl: int = 60, name: str = "db") -> Route53Zone:
    zone = Route53Zone(scope, "zone", name="db.example.internal", force_destroy=True)
    weighted_pair(scope, zone, name, aurora_weight, ignore, ttl)
    return zone


def weighted_pair(scope: Construct, zone: Route53Zone, name: str, aurora_weight: int = 0,
                  ignore: tuple[str, ...] = ("weighted_routing_policy",), ttl: int = 60) -> None:
    for set_id, weight in (("onprem", 100 - aurora_weight), ("aurora", aurora_weight)):
        Route53Record(scope, f"{name}-{set_id}", zone_id=zone.zone_id, name=f"{name}.db.example.internal",
                      type="CNAME", ttl=ttl,
                      set_identifier=set_id, records=[f"{set_id}.example.com"], weighted_routing_policy={"weight": weight},
                      lifecycle=TerraformResourceLifecycle(ignore_changes=list(ignore)))


def lag_alarm(scope: Construct, ok: bool, period: int = 60) -> None:
    instance(scope)
    replication = task(scope, True)
    CloudwatchMetricAlarm(scope, "lag", alarm_name=f"lag-{SUFFIX}", namespace="AWS/DMS", metric_name="CDCLatencyTarget",
                          comparison_operator="GreaterThanThreshold", evaluation_periods=3, period=period, threshold=60,
                          statistic="Maximum",
                          dimensions={"ReplicationInstanceIdentifier": f"dms-{SUFFIX}",
                                      "ReplicationTaskIdentifier": f"fwd-{SUFFIX}" if ok else f"forward-{SUFFIX}"})
    assert replication


def bucket(scope: Construct, *, encrypted: bool = True, private: bool = True, tls: bool = True) -> None:
    store = S3Bucket(scope, "bucket", bucket_prefix=f"results-{SUFFIX}-", force_destroy=True)
    S3BucketServerSideEncryptionConfigurationA(scope, "sse", bucket=store.id, rule=[
        S3BucketServerSideEncryptionConfigurationRuleA(apply_server_side_encryption_by_default={
            "sse_algorithm": "aws:kms" if encrypted else "AES256", "kms_master_key_id": cmk(scope).arn if encrypted
            else None})])
    S3BucketPublicAccessBlock(scope, "private", bucket=store.id, block_public_acls=True, block_public_policy=True,
                              ignore_public_acls=True, restrict_public_buckets=private)
    deny = {**DENY_PLAIN, "Action": "s3:*"} if tls else {**DENY_PLAIN, "Effect": "Allow", "Principal": {"AWS": "x"}}
    S3BucketPolicy(scope, "policy", bucket=store.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]}))


# The controller's world (MIG-CTL-*): its function and everything its environment names, each break one fault.
CONTROLLER_BREAKS = ("concurrency", "dead letters", "timeout", "events", "alarms", "checkpoints", "records", "tasks",
                     "data api")


def controller(scope: Construct, broken: str | None = None) -> None:
    assert broken in (None, *CONTROLLER_BREAKS), broken
    database = cluster(scope, engine_version="16.6", enable_http_endpoint=broken != "data api")
    key = KmsKey(scope, "controller-key", enable_key_rotation=True, deletion_window_in_days=7)
    queue = SqsQueue(scope, "dlq", name=f"dlq-{SUFFIX}", kms_master_key_id=key.arn)
    SqsQueuePolicy(scope, "dlq-policy", queue_url=queue.url,
                   policy=json.dumps({"Version": "2012-10-17", "Statement": [DENY_PLAIN]}))
    DmsReplicationInstance(scope, "dms", replication_instance_id=f"dms-{SUFFIX}",
                           replication_instance_class="dms.r6i.large", publicly_accessible=False, kms_key_arn=key.arn,
                           engine_version="3.5.4", auto_minor_version_upgrade=False)
    forward = task(scope, True)
    reverse = DmsReplicationTask(scope, "reverse", replication_task_id=f"reverse-{SUFFIX}",
                                 resource_identifier=f"rev-{SUFFIX}", migration_type="cdc",
                                 replication_instance_arn="arn", source_endpoint_arn="arn", target_endpoint_arn="arn",
                                 table_mappings="{}", replication_task_settings=json.dumps(SAFE_TASK_SETTINGS),
                                 lifecycle=TerraformResourceLifecycle(ignore_changes=["replication_task_settings"]))
    alarms = {metric: f"{metric.lower()}-{SUFFIX}" for metric in ("CDCLatencySource", "CDCLatencyTarget")}
    for metric, name in alarms.items():
        task_id = f"rev-{SUFFIX}" if broken == "alarms" and metric == "CDCLatencyTarget" else f"fwd-{SUFFIX}"
        CloudwatchMetricAlarm(scope, f"alarm-{metric}", alarm_name=name, namespace="AWS/DMS", metric_name=metric,
                              comparison_operator="GreaterThanThreshold", evaluation_periods=3, period=60,
                              threshold=60, statistic="Maximum",
                              dimensions={"ReplicationInstanceIdentifier": f"dms-{SUFFIX}",
                                          "ReplicationTaskIdentifier": task_id})
    zone = Route53Zone(scope, "zone", name="db.example.internal", force_destroy=True)
    weighted_pair(scope, zone, "db")
    weighted_pair(scope, zone, "db-ro")
    state, event = (SsmParameter(scope, name, name=f"/migration/{SUFFIX}/{name}", type="SecureString",
                                 key_id=key.arn, value="{}", lifecycle=TerraformResourceLifecycle(ignore_changes=["value"]))
                    for name in ("state", "last-event"))
    arns = [forward.replication_task_arn, reverse.replication_task_arn]
    environment = {
        "STATE_PARAMETER": state.name, "EVENT_PARAMETER": state.name if broken == "checkpoints" else event.name,
        "FORWARD_TASK_ARN": arns[broken == "tasks"], "REVERSE_TASK_ARN": arns[broken != "tasks"],
        "FORWARD_TASK_RESOURCE_ID": f"fwd-{SUFFIX}", "DMS_INSTANCE_ID": f"dms-{SUFFIX}",
        "LAG_ALARM_NAMES": ",".join(alarms.values()), "HOSTED_ZONE_ID": zone.zone_id,
        "RECORD_NAME": "db.db.example.internal",
        "READER_RECORD_NAME": "db-other.db.example.internal" if broken == "records" else "db-ro.db.example.internal",
        "ONPREM_SET_ID": "onprem", "AURORA_SET_ID": "aurora", "CLUSTER_ARN": database.arn}
    function = LambdaFunction(
        scope, "controller", function_name=f"cutover-{SUFFIX}", role="arn", runtime="python3.12", handler="h.h",
        filename="f.zip", environment={"variables": environment}, kms_key_arn=key.arn,
        reserved_concurrent_executions=2 if broken == "concurrency" else 1,
        timeout=30 if broken == "timeout" else MIN_FUNCTION_TIMEOUT_SECONDS,
        dead_letter_config=None if broken == "dead letters" else {"target_arn": queue.arn})
    rules = {
        "dms": {"event_pattern": json.dumps({"source": ["aws.dms"], "detail-type": ["DMS Replication Task State Change"],
                                             "resources": arns})},
        "alarms": {"event_pattern": json.dumps({
            "source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
            "resources": [f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{n}" for n in alarms.values()]})},
        "tick": {"schedule_expression": "rate(5 minutes)" if broken == "events" else "rate(1 minute)"}}
    for key_, settings in rules.items():
        rule = CloudwatchEventRule(scope, f"rule-{key_}", name=f"{key_}-{SUFFIX}", **settings)
        CloudwatchEventTarget(scope, f"target-{key_}", rule=rule.name, arn=function.arn, target_id="cutover")
        LambdaPermission(scope, f"invoke-{key_}", statement_id=f"events-{key_}", action="lambda:InvokeFunction",
                         function_name=function.function_name, principal="events.amazonaws.com", source_arn=rule.arn)


def broken_controller(broken: str, scope: Construct, ok: bool) -> None:
    controller(scope, None if ok else broken)


ALLOWED = {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": ["arn:aws:sns:us-east-1:111122223333:t"]}

CASES: dict[str, Callable[[Construct, bool], None]] = {
    "MIG-ENC-001": lambda s, ok: cluster(s, storage_encrypted=ok),
    "MIG-ENC-002": lambda s, ok: aurora_instance(s, pi_key=ok),
    "MIG-ENC-003": lambda s, ok: instance(s, key=ok),
    "MIG-ENC-004": lambda s, ok: parameter(s, key=ok),
    "MIG-ENC-005": lambda s, ok: topic_case(s, encrypted=ok),
    "MIG-ENC-006": lambda s, ok: queue_case(s, encrypted=ok),
    "MIG-ENC-007": lambda s, ok: CloudwatchLogGroup(s, "logs", name=f"/migration/{SUFFIX}/x",
                                                    kms_key_id=cmk(s).arn if ok else None),
    "MIG-ENC-008": lambda s, ok: BackupVault(s, "vault", name=f"vault-{SUFFIX}", force_destroy=True,
                                             kms_key_arn=cmk(s).arn if ok else None),
    "MIG-ENC-009": lambda s, ok: function(s, key=ok),
    "MIG-ENC-010": lambda s, ok: cmk(s, ok),
    "MIG-TLS-001": lambda s, ok: endpoint(s, ssl_mode="require" if ok else "none"),
    "MIG-TLS-002": lambda s, ok: cluster(s, force_ssl="1" if ok else "0"),
    "MIG-TLS-003": lambda s, ok: topic_case(s, tls=ok),
    "MIG-TAG-001": lambda s, ok: CloudwatchLogGroup(s, "logs", name=f"/migration/{SUFFIX}/x", kms_key_id=cmk(s).arn,
                                                    tags=None if ok else {"Owner": ""}),
    "MIG-NAM-001": lambda s, ok: CloudwatchLogGroup(s, "logs", kms_key_id=cmk(s).arn,
                                                    name=f"/migration/{SUFFIX}/x" if ok else "/migration/prod/x"),
    "MIG-DES-001": lambda s, ok: cluster(s, deletion_protection=not ok),
    "MIG-DES-002": lambda s, ok: cluster(s, skip_final_snapshot=ok),
    "MIG-DES-003": lambda s, ok: CloudwatchLogGroup(s, "logs", name=f"/migration/{SUFFIX}/x", kms_key_id=cmk(s).arn,
                                                    lifecycle=TerraformResourceLifecycle(prevent_destroy=not ok)),
    "MIG-DES-004": lambda s, ok: Route53Zone(s, "zone", name="db.example.internal", force_destroy=ok),
    "MIG-DES-005": lambda s, ok: KmsKey(s, "cmk", enable_key_rotation=True, deletion_window_in_days=7 if ok else 30),
    "MIG-PUB-001": lambda s, ok: instance(s, public=not ok),
    "MIG-PUB-002": lambda s, ok: SecurityGroup(s, "sg", name=f"db-{SUFFIX}", vpc_id="vpc", ingress=[
        SecurityGroupIngress(from_port=5432, to_port=5432, protocol="tcp",
                             cidr_blocks=["10.0.0.0/16" if ok else "0.0.0.0/0"])]),
    "MIG-NET-001": lambda s, ok: DefaultSecurityGroup(s, "default", vpc_id="vpc", ingress=[],
                                                      egress=[] if ok else None),
    "MIG-IAM-001": lambda s, ok: policy(s, ALLOWED if ok else {**ALLOWED, "Resource": "*"}),
    "MIG-ENG-001": lambda s, ok: cluster(s, backtrack_window=0 if ok else 3600),
    "MIG-MIG-001": lambda s, ok: record_pair(s, 0, ("weighted_routing_policy",) if ok else ()),
    "MIG-MIG-002": lambda s, ok: parameter(s, ignore=ok),
    "MIG-MIG-003": lambda s, ok: task(s, ok, lifecycle=TerraformResourceLifecycle(
        ignore_changes=["replication_task_settings"] if ok else [])),
    "MIG-MIG-004": lambda s, ok: task(s, ok, migration_type="full-load-and-cdc" if ok else "full-load"),
}
CASES.update({
    "MIG-DNS-001": lambda s, ok: record_pair(s, 0 if ok else 10),
    "MIG-MON-001": lambda s, ok: lag_alarm(s, ok),
    "MIG-MON-003": lambda s, ok: lag_alarm(s, True, period=60 if ok else 3600),  # an hour of datapoints per period
    "MIG-DMS-001": lambda s, ok: DmsReplicationInstance(
        s, "dms", replication_instance_id=f"dms-{SUFFIX}", replication_instance_class="dms.r6i.large" if ok
        else "dms.c5.large", publicly_accessible=False, kms_key_arn=cmk(s).arn, engine_version="3.5.4",
        auto_minor_version_upgrade=False),
    "MIG-DB-001": lambda s, ok: cluster(s, zones=("a", "b", "c") if ok else ("a", "b", "b")),
    "MIG-SEC-001": lambda s, ok: DmsEndpoint(s, "endpoint", endpoint_id=f"source-{SUFFIX}", endpoint_type="source",
                                             engine_name="postgres", ssl_mode="require", kms_key_arn=cmk(s).arn,
                                             postgres_settings=SAFE_SOURCE,
                                             **({"secrets_manager_arn": "arn:aws:secretsmanager:x"} if ok
                                                else {"username": "u", "password": "hunter2hunter2"})),
    # Apply errors logged and skipped, DMS's default: exactly what the rule exists for.
    "MIG-MIG-005": lambda s, ok: task(s, ok, settings_override=None if ok else {
        **SAFE_TASK_SETTINGS, "ErrorBehavior": {**SAFE_TASK_SETTINGS["ErrorBehavior"],
                                                "ApplyErrorUpdatePolicy": "LOG_ERROR"}}),
    "MIG-MIG-006": lambda s, ok: endpoint(s, source=SAFE_SOURCE if ok else {**SAFE_SOURCE, "heartbeat_enable": False}),
    "MIG-MIG-007": lambda s, ok: instance(s, version="3.5.4" if ok else "3.5.2"),
    "MIG-MON-002": lambda s, ok: task(s, ok, watched=ok),
    "MIG-ENC-011": lambda s, ok: bucket(s, encrypted=ok),
    "MIG-PUB-003": lambda s, ok: bucket(s, private=ok),
    "MIG-TLS-004": lambda s, ok: bucket(s, tls=ok),
    "MIG-DB-002": lambda s, ok: cluster(s, backup_retention_period=7 if ok else 1),
    "MIG-DNS-002": lambda s, ok: record_pair(s, 0, ttl=60 if ok else 3600),
    "MIG-LOG-001": lambda s, ok: CloudwatchLogGroup(s, "logs", name=f"/migration/{SUFFIX}/x", kms_key_id=cmk(s).arn,
                                                    retention_in_days=365 if ok else 30),
})
CASES.update({f"MIG-CTL-{n:03d}": functools.partial(broken_controller, broken)
              for n, broken in enumerate(CONTROLLER_BREAKS, start=1)})
# A subnet handing out public IPs is the second face of MIG-PUB-002.
EXTRA_CASES: dict[str, Callable[[Construct, bool], None]] = {
    "MIG-PUB-002": lambda s, ok: Subnet(s, "subnet", vpc_id="vpc", cidr_block="10.0.0.0/24",
                                        map_public_ip_on_launch=not ok),
    # Batch apply left to its default breaks loopback prevention.
    "MIG-MIG-005": lambda s, ok: task(s, ok, settings_override=None if ok else {
        **SAFE_TASK_SETTINGS, "TargetMetadata": {"SupportLobs": True, "LimitedSizeLobMode": True, "LobMaxSize": 64}}),
    # A 40 KB JSON document arriving cut, with only a log line.
    "MIG-MIG-006": lambda s, ok: endpoint(s, source=SAFE_SOURCE if ok else {**SAFE_SOURCE,
                                                                            "fail_tasks_on_lob_truncation": False}),
    "MIG-MIG-007": lambda s, ok: instance(s, auto_upgrade=not ok),
    "MIG-MON-002": lambda s, ok: cluster(s, watched=ok),
    # Swapped: Aurora 100 and on-prem 0 at deploy has the same sorted weights as the right pair.
    "MIG-DNS-001": lambda s, ok: record_pair(s, 0 if ok else 100),
}
