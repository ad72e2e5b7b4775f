"""AWS's own naming rules for each name-like attribute the stack sets, written down from AWS's API
references (not taken from aspects/names.py, which the tests check against them)."""

from __future__ import annotations

import re

_RDS_STYLE = r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*"  # letter first; letters, digits, single inner hyphens

# (resource type, attribute) -> (maximum length, full-match pattern, where AWS says so)
AWS_NAME_RULES: dict[tuple[str, str], tuple[int, str, str]] = {
    ("aws_rds_cluster", "cluster_identifier"): (63, _RDS_STYLE, "RDS CreateDBCluster, DBClusterIdentifier"),
    ("aws_rds_cluster_instance", "identifier"): (63, _RDS_STYLE, "RDS CreateDBInstance, DBInstanceIdentifier"),
    ("aws_rds_cluster_parameter_group", "name"): (255, _RDS_STYLE,
                                                  "RDS CreateDBClusterParameterGroup, DBClusterParameterGroupName"),
    ("aws_db_subnet_group", "name"): (255, r"[a-z0-9 ._-]+", "RDS CreateDBSubnetGroup, DBSubnetGroupName"),
    ("aws_dms_replication_instance", "replication_instance_id"): (63, _RDS_STYLE,
                                                                  "DMS CreateReplicationInstance identifier"),
    ("aws_dms_replication_subnet_group", "replication_subnet_group_id"): (
        255, r"[a-z0-9 ._-]+", "DMS CreateReplicationSubnetGroup identifier"),
    ("aws_dms_endpoint", "endpoint_id"): (255, _RDS_STYLE, "DMS CreateEndpoint, EndpointIdentifier"),
    ("aws_dms_replication_task", "replication_task_id"): (255, _RDS_STYLE,
                                                          "DMS CreateReplicationTask, ReplicationTaskIdentifier"),
    ("aws_dms_replication_task", "resource_identifier"): (31, _RDS_STYLE,
                                                          "DMS CreateReplicationTask, ResourceIdentifier"),
    ("aws_lambda_function", "function_name"): (64, r"[A-Za-z0-9_-]+", "Lambda CreateFunction, FunctionName"),
    ("aws_iam_role", "name"): (64, r"[\w+=,.@-]+", "IAM CreateRole, RoleName"),
    ("aws_iam_policy", "name"): (128, r"[\w+=,.@-]+", "IAM CreatePolicy, PolicyName"),
    ("aws_iam_role_policy", "name"): (128, r"[\w+=,.@-]+", "IAM PutRolePolicy, PolicyName"),
    ("aws_sns_topic", "name"): (256, r"[A-Za-z0-9_-]+", "SNS CreateTopic, Name"),
    ("aws_sqs_queue", "name"): (80, r"[A-Za-z0-9_-]+", "SQS CreateQueue, QueueName"),
    ("aws_cloudwatch_event_rule", "name"): (64, r"[.\-_A-Za-z0-9]+", "EventBridge PutRule, Name"),
    ("aws_cloudwatch_log_group", "name"): (512, r"[.\-_/#A-Za-z0-9]+", "CloudWatch Logs CreateLogGroup"),
    ("aws_cloudwatch_dashboard", "dashboard_name"): (255, r"[A-Za-z0-9_-]+", "CloudWatch PutDashboard"),
    ("aws_cloudwatch_metric_alarm", "alarm_name"): (255, r"[ -~]+", "CloudWatch PutMetricAlarm, AlarmName"),
    ("aws_ssm_parameter", "name"): (1011, r"/[A-Za-z0-9_.\-/]+", "SSM PutParameter, Name"),
    ("aws_backup_vault", "name"): (50, r"[A-Za-z0-9_-]{2,50}", "Backup CreateBackupVault, BackupVaultName"),
    ("aws_backup_plan", "name"): (50, r"[A-Za-z0-9_.-]+", "Backup CreateBackupPlan, BackupPlanName"),
    ("aws_backup_selection", "name"): (50, r"[A-Za-z0-9_.-]+", "Backup CreateBackupSelection, SelectionName"),
    ("aws_kms_alias", "name"): (256, r"alias/(?!aws/)[A-Za-z0-9/_-]+", "KMS CreateAlias, AliasName"),
    ("aws_security_group", "name"): (255, r"(?!sg-)[ -~]+", "EC2 CreateSecurityGroup, GroupName"),
    ("aws_s3_bucket", "bucket_prefix"): (37, r"[a-z0-9][a-z0-9.-]*",
                                         "S3 bucket naming rules (3-63); Terraform appends 26 to a prefix"),
}

# What no name may contain (the project's rule), written out independently of aspects/names.py.
ENVIRONMENT_WORDS = ("prod", "production", "dev", "development", "stage", "staging")
REGION_CODES = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1",
                "ap-southeast-1", "ap-northeast-1", "useast1", "uswest2", "euwest1")
ACCOUNT_ID = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def aws_problems(kind: str, attribute: str, value: str) -> list[str]:
    limit, pattern, source = AWS_NAME_RULES[(kind, attribute)]
    out = []
    if len(value) > limit:
        out.append(f"{len(value)} characters > {limit} ({source})")
    if not re.fullmatch(pattern, value):
        out.append(f"does not match {pattern} ({source})")
    return out


def forbidden_in(value: str) -> list[str]:
    lowered = value.lower()
    return [w for w in (*ENVIRONMENT_WORDS, *REGION_CODES) if w in lowered] + ACCOUNT_ID.findall(value)
