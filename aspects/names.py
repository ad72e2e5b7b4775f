"""What a compliant physical name is, owned by the policy side: the AWS naming rule of each kind of name
(length, characters, and where AWS states it), which property of which resource type is a physical name,
the one exemption from the suffix, and the words no name may contain.

stack/naming.py builds names against these and MIG-NAM-001 judges names by them; neither restates them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ENVIRONMENT_WORDS = ("prod", "production", "dev", "development", "stage", "staging")
REGION_PATTERN = re.compile(r"(us|eu|ap|sa|ca|me|af|il|mx|cn)(-gov)?-?(north|south|east|west|central|northeast|"
                            r"southeast|northwest|southwest)-?[0-9]")
ACCOUNT_ID_PATTERN = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")

@dataclass(frozen=True)
class NameRule:
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

RULES: dict[str, NameRule] = {
    "rds_cluster": NameRule(63, _RDS, "RDS CreateDBCluster DBClusterIdentifier"),
    "rds_instance": NameRule(63, _RDS, "RDS CreateDBInstance DBInstanceIdentifier"),
    "rds_parameter_group": NameRule(255, _RDS, "RDS CreateDBClusterParameterGroup DBClusterParameterGroupName"),
    "rds_subnet_group": NameRule(255, re.compile(r"[a-z0-9 ._-]+"), "RDS CreateDBSubnetGroup DBSubnetGroupName"),
    "dms_instance": NameRule(63, _DMS, "DMS CreateReplicationInstance ReplicationInstanceIdentifier"),
    "dms_subnet_group": NameRule(255, re.compile(r"[a-z0-9 ._-]+"), "DMS CreateReplicationSubnetGroup identifier"),
    "dms_endpoint": NameRule(255, _DMS, "DMS CreateEndpoint EndpointIdentifier"),
    "dms_task": NameRule(255, _DMS, "DMS CreateReplicationTask ReplicationTaskIdentifier"),
    "dms_resource_identifier": NameRule(31, re.compile(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*"),
                                    "DMS CreateReplicationTask ResourceIdentifier (1-31 characters)"),
    "lambda_function": NameRule(64, _LAMBDA, "Lambda CreateFunction FunctionName"),
    "iam_role": NameRule(64, _IAM, "IAM CreateRole RoleName"),
    "iam_policy": NameRule(128, _IAM, "IAM CreatePolicy PolicyName"),
    "sns_topic": NameRule(256, _SNS_SQS, "SNS CreateTopic Name"),
    "sqs_queue": NameRule(80, _SNS_SQS, "SQS CreateQueue QueueName"),
    "event_rule": NameRule(64, _EVENTS, "EventBridge PutRule Name"),
    "log_group": NameRule(512, _LOGS, "CloudWatch Logs CreateLogGroup logGroupName"),
    "dashboard": NameRule(255, re.compile(r"[A-Za-z0-9_-]+"), "CloudWatch PutDashboard DashboardName"),
    "alarm": NameRule(255, _GENERIC, "CloudWatch PutMetricAlarm AlarmName"),
    "ssm_parameter": NameRule(1011, _SSM, "SSM PutParameter Name"),
    "backup_vault": NameRule(50, _BACKUP, "Backup CreateBackupVault BackupVaultName"),
    "backup_plan": NameRule(50, _BACKUP, "Backup CreateBackupPlan BackupPlanName"),
    "backup_selection": NameRule(50, _BACKUP_SELECTION, "Backup CreateBackupSelection SelectionName"),
    "kms_alias": NameRule(256, _KMS_ALIAS, "KMS CreateAlias AliasName"),
    "security_group": NameRule(255, _SG, "EC2 CreateSecurityGroup GroupName"),
    "name_tag": NameRule(256, _GENERIC, "EC2 tag value"),
    # S3 bucket names are 3-63 characters; Terraform appends 26 to a bucket_prefix, leaving 37.
    "s3_bucket_prefix": NameRule(37, re.compile(r"[a-z0-9][a-z0-9.-]*"), "S3 bucket naming rules; Terraform bucket_prefix"),
}

# The names DMS requires verbatim, once per account: the one documented exemption from the suffix rule.
FIXED_ACCOUNT_ROLES = ("dms-vpc-role", "dms-cloudwatch-logs-role")



def forbidden_words(value: str) -> list[str]:
    """Environment words, region codes and account ids found in `value`."""
    found = [w for w in ENVIRONMENT_WORDS if w in value.lower()]
    found += [m.group(0) for m in REGION_PATTERN.finditer(value.lower())]
    found += [m.group(0) for m in ACCOUNT_ID_PATTERN.finditer(value)]
    return found



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
