"""The one place physical names come from.

Every name the stack gives a resource is listed in CATALOG with the AWS rule it must meet, so the
longest allowed environment suffix is derived from the names themselves rather than guessed, and a
name that cannot fit is a configuration error before anything is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

ENVIRONMENT_WORDS = ("prod", "production", "dev", "development", "stage", "staging")
REGION_PATTERN = re.compile(r"(us|eu|ap|sa|ca|me|af|il|mx|cn)(-gov)?-?(north|south|east|west|central|northeast|"
                            r"southeast|northwest|southwest)-?[0-9]")
ACCOUNT_ID_PATTERN = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
SUFFIX_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
SUFFIX_MIN = 3


@dataclass(frozen=True)
class Rule:
    """An AWS naming rule: maximum length, allowed shape, and where AWS states it."""

    max_len: int
    pattern: re.Pattern[str]
    source: str

    def problems(self, value: str) -> list[str]:
        out = []
        if len(value) > self.max_len:
            out.append(f"{value!r} is {len(value)} characters; at most {self.max_len} ({self.source})")
        if not self.pattern.fullmatch(value):
            out.append(f"{value!r} does not match {self.pattern.pattern} ({self.source})")
        if "--" in value and self.pattern is _RDS:
            out.append(f"{value!r} contains '--' ({self.source})")
        return out


_RDS = re.compile(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*")  # letter first, no "--", no trailing "-"
_DMS = _RDS
_LAMBDA = re.compile(r"[A-Za-z0-9_-]+")
_IAM = re.compile(r"[\w+=,.@-]+")
_SNS_SQS = re.compile(r"[A-Za-z0-9_-]+")
_EVENTS = re.compile(r"[.\-_A-Za-z0-9]+")
_LOGS = re.compile(r"[.\-_/#A-Za-z0-9]+")
_BACKUP = re.compile(r"[A-Za-z0-9_-]{2,}")
_BACKUP_SELECTION = re.compile(r"[A-Za-z0-9_.-]+")
_SSM = re.compile(r"/[A-Za-z0-9_.\-/]+")
_KMS_ALIAS = re.compile(r"alias/[A-Za-z0-9/_-]+")
_GENERIC = re.compile(r"[A-Za-z0-9 ._:/=+@-]+")
_SG = re.compile(r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+")

RULES: dict[str, Rule] = {
    "rds_cluster": Rule(63, _RDS, "RDS CreateDBCluster DBClusterIdentifier"),
    "rds_instance": Rule(63, _RDS, "RDS CreateDBInstance DBInstanceIdentifier"),
    "rds_parameter_group": Rule(255, _RDS, "RDS CreateDBClusterParameterGroup DBClusterParameterGroupName"),
    "rds_subnet_group": Rule(255, re.compile(r"[a-z0-9 ._-]+"), "RDS CreateDBSubnetGroup DBSubnetGroupName"),
    "dms_instance": Rule(63, _DMS, "DMS CreateReplicationInstance ReplicationInstanceIdentifier"),
    "dms_subnet_group": Rule(255, re.compile(r"[a-z0-9 ._-]+"), "DMS CreateReplicationSubnetGroup identifier"),
    "dms_endpoint": Rule(255, _DMS, "DMS CreateEndpoint EndpointIdentifier"),
    "dms_task": Rule(255, _DMS, "DMS CreateReplicationTask ReplicationTaskIdentifier"),
    "dms_resource_identifier": Rule(31, re.compile(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*"),
                                    "DMS CreateReplicationTask ResourceIdentifier (1-31 characters)"),
    "lambda_function": Rule(64, _LAMBDA, "Lambda CreateFunction FunctionName"),
    "iam_role": Rule(64, _IAM, "IAM CreateRole RoleName"),
    "iam_policy": Rule(128, _IAM, "IAM CreatePolicy PolicyName"),
    "sns_topic": Rule(256, _SNS_SQS, "SNS CreateTopic Name"),
    "sqs_queue": Rule(80, _SNS_SQS, "SQS CreateQueue QueueName"),
    "event_rule": Rule(64, _EVENTS, "EventBridge PutRule Name"),
    "log_group": Rule(512, _LOGS, "CloudWatch Logs CreateLogGroup logGroupName"),
    "dashboard": Rule(255, re.compile(r"[A-Za-z0-9_-]+"), "CloudWatch PutDashboard DashboardName"),
    "alarm": Rule(255, _GENERIC, "CloudWatch PutMetricAlarm AlarmName"),
    "ssm_parameter": Rule(1011, _SSM, "SSM PutParameter Name"),
    "backup_vault": Rule(50, _BACKUP, "Backup CreateBackupVault BackupVaultName"),
    "backup_plan": Rule(50, _BACKUP, "Backup CreateBackupPlan BackupPlanName"),
    "backup_selection": Rule(50, _BACKUP_SELECTION, "Backup CreateBackupSelection SelectionName"),
    "kms_alias": Rule(256, _KMS_ALIAS, "KMS CreateAlias AliasName"),
    "security_group": Rule(255, _SG, "EC2 CreateSecurityGroup GroupName"),
    "name_tag": Rule(256, _GENERIC, "EC2 tag value"),
    # S3 bucket names are 3-63 characters; Terraform appends 26 to a bucket_prefix, leaving 37.
    "s3_bucket_prefix": Rule(37, re.compile(r"[a-z0-9][a-z0-9.-]*"), "S3 bucket naming rules; Terraform bucket_prefix"),
}

# logical key -> (rule kind, template). "{s}" is the environment suffix.
CATALOG: dict[str, tuple[str, str]] = {
    # network
    "migration_vpc": ("name_tag", "migration-vpc-{s}"),
    "production_vpc": ("name_tag", "production-vpc-{s}"),
    "subnet": ("name_tag", "migration-private-{s}"),
    "peering": ("name_tag", "migration-peering-{s}"),
    "endpoint_sg": ("security_group", "vpce-{s}"),
    "flow_log_group": ("log_group", "/migration/{s}/vpc-flow-logs"),
    "flow_log_role": ("iam_role", "vpc-flow-logs-{s}"),
    "flow_log_policy": ("iam_policy", "deliver-flow-logs-{s}"),
    "vpn_gateway": ("name_tag", "onprem-vgw-{s}"),
    # keys
    "key_database": ("kms_alias", "alias/migration-database-{s}"),
    "key_app": ("kms_alias", "alias/migration-app-{s}"),
    "key_logs": ("kms_alias", "alias/migration-logs-{s}"),
    # database
    "cluster": ("rds_cluster", "aurora-{s}"),
    "instance_writer": ("rds_instance", "aurora-{s}-writer"),
    "instance_reader_1": ("rds_instance", "aurora-{s}-reader-1"),
    "instance_reader_2": ("rds_instance", "aurora-{s}-reader-2"),
    "restore_cluster": ("rds_cluster", "aurora-{s}-pitr-{t}"),  # {t}: the restore time, as the controller writes it
    "cluster_parameter_group": ("rds_parameter_group", "aurora-pg-{s}"),
    "db_subnet_group": ("rds_subnet_group", "aurora-{s}"),
    "aurora_sg": ("security_group", "aurora-{s}"),
    "rds_log_group": ("log_group", "/aws/rds/cluster/aurora-{s}/postgresql"),
    "monitoring_role": ("iam_role", "rds-monitoring-{s}"),
    # migration
    "dms_instance": ("dms_instance", "dms-{s}"),
    "dms_subnet_group": ("dms_subnet_group", "dms-{s}"),
    "dms_sg": ("security_group", "dms-{s}"),
    "dms_secrets_role": ("iam_role", "dms-secrets-{s}"),
    "dms_secrets_policy": ("iam_policy", "read-endpoint-secrets-{s}"),
    "dms_log_group": ("log_group", "dms-tasks-dms-{s}"),
    "endpoint_source": ("dms_endpoint", "onprem-source-{s}"),
    "endpoint_target": ("dms_endpoint", "aurora-target-{s}"),
    "endpoint_reverse_source": ("dms_endpoint", "aurora-source-{s}"),
    "endpoint_reverse_target": ("dms_endpoint", "onprem-target-{s}"),
    "task_forward": ("dms_task", "forward-cdc-{s}"),
    "task_reverse": ("dms_task", "reverse-cdc-{s}"),
    "task_forward_resource": ("dms_resource_identifier", "fwd-{s}"),
    "task_reverse_resource": ("dms_resource_identifier", "rev-{s}"),
    "assessment_bucket_prefix": ("s3_bucket_prefix", "dms-assessment-{s}-"),
    "assessment_role": ("iam_role", "dms-assessment-{s}"),
    "assessment_policy": ("iam_policy", "write-assessment-results-{s}"),
    # checkpoints
    "parameter_state": ("ssm_parameter", "/migration/{s}/state"),
    "parameter_last_event": ("ssm_parameter", "/migration/{s}/last-event"),
    # events
    "rule_dms": ("event_rule", "dms-task-state-{s}"),
    "rule_lag_alarm": ("event_rule", "lag-alarm-state-{s}"),
    "rule_tick": ("event_rule", "cutover-tick-{s}"),
    "topic": ("sns_topic", "migration-notices-{s}"),
    # cutover
    "function": ("lambda_function", "cutover-controller-{s}"),
    "function_role": ("iam_role", "cutover-controller-{s}"),
    "function_log_group": ("log_group", "/aws/lambda/cutover-controller-{s}"),
    "function_policy": ("iam_policy", "cutover-controller-{s}"),
    "dead_letter_queue": ("sqs_queue", "cutover-controller-dlq-{s}"),
    # monitoring
    "dashboard": ("dashboard", "migration-{s}"),
    "alarm_latency_source": ("alarm", "dms-cdc-latency-source-{s}"),
    "alarm_latency_target": ("alarm", "dms-cdc-latency-target-{s}"),
    "alarm_replica_lag": ("alarm", "aurora-replica-lag-{s}"),
    "alarm_dms_cpu": ("alarm", "dms-cpu-{s}"),
    "alarm_slot_disk": ("alarm", "aurora-replication-slot-disk-{s}"),
    "alarm_transaction_logs_disk": ("alarm", "aurora-transaction-logs-disk-{s}"),
    "alarm_cdc_incoming": ("alarm", "dms-cdc-incoming-changes-{s}"),
    "alarm_cdc_disk": ("alarm", "dms-cdc-changes-on-disk-{s}"),
    # backup
    "backup_vault": ("backup_vault", "migration-vault-{s}"),
    "backup_plan": ("backup_plan", "migration-plan-{s}"),
    "backup_selection": ("backup_selection", "aurora-{s}"),
    "backup_role": ("iam_role", "backup-{s}"),
}

# The names DMS requires verbatim, once per account: the one documented exemption from the suffix rule.
FIXED_ACCOUNT_ROLES = ("dms-vpc-role", "dms-cloudwatch-logs-role")


class NamingError(ValueError):
    """A physical name breaks its AWS rule."""


def _fill(template: str, suffix: str) -> str:
    """A template with the suffix, and the longest restore time the controller can write in it."""
    from stack.controller_contract import models

    return template.format(s=suffix, t=datetime(2099, 12, 31, 23, 59).strftime(models.RESTORE_TIME_FORMAT))


def name(key: str, suffix: str) -> str:
    """The physical name of `key` for this suffix; raises if it would break its AWS rule."""
    kind, template = CATALOG[key]
    value = _fill(template, suffix)
    problems = RULES[kind].problems(value)
    if problems:
        raise NamingError(f"name {key}: " + "; ".join(problems))
    return value


def restore_cluster_prefix(suffix: str) -> str:
    """What the controller puts before the restore time when it names a restored cluster."""
    return CATALOG["restore_cluster"][1].split("{t}")[0].format(s=suffix)


def max_suffix_length() -> int:
    """The longest suffix every catalogued name can carry within its AWS limit."""
    return min(RULES[kind].max_len - len(_fill(template, "")) for kind, template in CATALOG.values())


def tightest_name() -> str:
    key = min(CATALOG, key=lambda k: RULES[CATALOG[k][0]].max_len - len(_fill(CATALOG[k][1], "")))
    return key


def forbidden_words(value: str) -> list[str]:
    """Environment words, region codes and account ids found in `value`."""
    found = [w for w in ENVIRONMENT_WORDS if w in value.lower()]
    found += [m.group(0) for m in REGION_PATTERN.finditer(value.lower())]
    found += [m.group(0) for m in ACCOUNT_ID_PATTERN.finditer(value)]
    return found


def suffix_problems(suffix: str) -> list[str]:
    """Why `suffix` cannot be an environment suffix (empty when it can)."""
    if not suffix:
        return ["must not be empty"]
    out = []
    longest = max_suffix_length()
    if not SUFFIX_MIN <= len(suffix) <= longest:
        out.append(f"must be {SUFFIX_MIN} to {longest} characters (the tightest name, {tightest_name()}, "
                   f"must fit its AWS limit), got {len(suffix)}")
    if not SUFFIX_PATTERN.fullmatch(suffix):
        out.append(f"{suffix!r} must use only a-z, 0-9 and '-', and start and end with a letter or digit")
    if "--" in suffix:
        out.append(f"{suffix!r} must not contain '--' (RDS and DMS identifiers forbid it)")
    words = forbidden_words(suffix)
    if words:
        out.append(f"{suffix!r} contains {', '.join(repr(w) for w in words)}: names carry no environment word, "
                   "region or account id")
    return out


# The name-like property of each resource type the stack creates, and the AWS rule it must meet.
NAME_PROPERTIES: dict[tuple[str, str], str] = {
    ("aws_rds_cluster", "cluster_identifier"): "rds_cluster",
    ("aws_rds_cluster_instance", "identifier"): "rds_instance",
    ("aws_rds_cluster_parameter_group", "name"): "rds_parameter_group",
    ("aws_db_subnet_group", "name"): "rds_subnet_group",
    ("aws_dms_replication_instance", "replication_instance_id"): "dms_instance",
    ("aws_dms_replication_subnet_group", "replication_subnet_group_id"): "dms_subnet_group",
    ("aws_dms_endpoint", "endpoint_id"): "dms_endpoint",
    ("aws_dms_replication_task", "replication_task_id"): "dms_task",
    ("aws_dms_replication_task", "resource_identifier"): "dms_resource_identifier",
    ("aws_lambda_function", "function_name"): "lambda_function",
    ("aws_iam_role", "name"): "iam_role",
    ("aws_iam_policy", "name"): "iam_policy",
    ("aws_iam_role_policy", "name"): "iam_policy",
    ("aws_sns_topic", "name"): "sns_topic",
    ("aws_sqs_queue", "name"): "sqs_queue",
    ("aws_cloudwatch_event_rule", "name"): "event_rule",
    ("aws_cloudwatch_log_group", "name"): "log_group",
    ("aws_cloudwatch_dashboard", "dashboard_name"): "dashboard",
    ("aws_cloudwatch_metric_alarm", "alarm_name"): "alarm",
    ("aws_ssm_parameter", "name"): "ssm_parameter",
    ("aws_backup_vault", "name"): "backup_vault",
    ("aws_backup_plan", "name"): "backup_plan",
    ("aws_backup_selection", "name"): "backup_selection",
    ("aws_kms_alias", "name"): "kms_alias",
    ("aws_security_group", "name"): "security_group",
    ("aws_s3_bucket", "bucket_prefix"): "s3_bucket_prefix",
}


# Name-like attributes that are not physical names, each with why it carries no suffix. A test scans the
# synthesized stack: every literal attribute called name, *_name, *_id or *identifier is either in
# NAME_PROPERTIES (it carries the suffix) or here.
NOT_PHYSICAL_NAMES: dict[tuple[str, str], str] = {
    ("aws_backup_plan", "rule.rule_name"): "a rule's label inside its plan, which carries the suffix",
    ("aws_cloudwatch_event_target", "target_id"): "unique only within its rule, which carries the suffix",
    ("aws_lambda_permission", "statement_id"): "a statement id inside the function's policy, whose name has it",
    ("aws_cloudwatch_metric_alarm", "metric_name"): "the AWS metric watched, named by the service",
    ("aws_dms_endpoint", "database_name"): "the database on the PostgreSQL server, named by its owners",
    ("aws_dms_endpoint", "engine_name"): "a DMS engine identifier",
    ("aws_dms_endpoint", "postgres_settings.plugin_name"): "a PostgreSQL logical decoding plugin",
    ("aws_dms_endpoint", "postgres_settings.heartbeat_schema"): "a schema inside the databases, not an AWS resource",
    ("aws_rds_cluster", "database_name"): "the database created inside the cluster (the DMS target)",
    ("aws_rds_cluster_parameter_group", "parameter.name"): "a PostgreSQL parameter",
    ("aws_route53_record", "name"): "the DNS name the applications use, from config (dns.*)",
    ("aws_route53_record", "set_identifier"): "the controller's handle on each record of a weighted pair",
    ("aws_route53_zone", "name"): "the DNS zone, from config (dns.zone_name)",
    ("aws_vpc_endpoint", "service_name"): "the AWS service's endpoint name, built from the configured region",
    ("aws_ec2_transit_gateway_vpc_attachment", "transit_gateway_id"): "an existing transit gateway, from config",
    ("aws_route", "route_table_id"): "an existing production route table, from config",
    ("aws_route53_zone", "vpc.vpc_id"): "an existing production VPC, from config",
    ("aws_vpc_peering_connection", "peer_vpc_id"): "an existing production VPC, from config",
    ("aws_s3_bucket_lifecycle_configuration", "rule.id"): "a rule's label inside the bucket's lifecycle",
}
