"""Facts that decide what is compliant, owned by the policy side: DMS sizing and data safety, the required
tags, the actions IAM authorizes only on "*".

The stack builds its settings from these and the rules judge against them; neither restates them.
Sources: AWS DMS user guide, "Error handling task settings", "Target metadata task settings",
"Using a PostgreSQL database as an AWS DMS source" and the DMS release notes.
"""

from __future__ import annotations

from foundation.controller_contract import LIMITS as CONTROLLER_LIMITS
from foundation.controller_contract import models as controller_models
from foundation.controller_contract import settings as controller_settings

# vCPU and GiB of memory per DMS class (AWS DMS user guide, "Choosing the right replication instance").
DMS_CLASSES: dict[str, tuple[int, int]] = {
    "dms.t3.medium": (2, 4),
    "dms.t3.large": (2, 8),
    "dms.c5.large": (2, 4),
    "dms.c5.xlarge": (4, 8),
    "dms.c5.2xlarge": (8, 16),
    "dms.r5.large": (2, 16),
    "dms.r5.xlarge": (4, 32),
    "dms.r6i.large": (2, 16),
    "dms.c6i.large": (2, 4),
}
DMS_MIN_VCPU = 2
DMS_MIN_GIB = 8

# The tags every taggable resource carries on itself (provider default_tags are invisible per resource).
REQUIRED_TAG_KEYS = ("Project", "EnvironmentSuffix", "Owner", "CostCenter", "ManagedBy")

# Actions AWS authorizes only on "*" (no resource-level permission in the Service Authorization
# Reference), grouped by what needs them: a "*" statement may grant actions of one group only, so a role
# never holds an unscoped action that belongs to another's purpose (MIG-IAM-001).
# route53:GetChange is not one: it takes arn:aws:route53:::change/*.
UNSCOPED_GRANTS: dict[str, dict[str, str]] = {
    "controller": {
        "cloudwatch:GetMetricData": "metrics have no ARN (the lag gates, status)",
        "dms:DescribeReplicationTasks": "filtered by the task ARN in the request, not the policy",
        "dms:DescribeReplicationTaskAssessmentRuns": "filtered by the task ARN in the request",
        "dms:DescribeReplicationTaskIndividualAssessments": "filtered by the run ARN in the request",
        "xray:PutTelemetryRecords": "active tracing",
        "xray:PutTraceSegments": "active tracing",
    },
    "function-in-vpc": {  # Lambda checks these on "*" when it creates a function in a VPC (the fence)
        "ec2:CreateNetworkInterface": "the function's network interfaces in its subnets",
        "ec2:DescribeNetworkInterfaces": "describe calls take no resource",
        "ec2:DeleteNetworkInterface": "the interfaces Lambda retires",
        "ec2:AssignPrivateIpAddresses": "addresses on those interfaces",
        "ec2:UnassignPrivateIpAddresses": "addresses on those interfaces",
    },
}
UNSCOPED_ACTIONS = frozenset(action for group in UNSCOPED_GRANTS.values() for action in group)

# The RDS Data API on provisioned Aurora PostgreSQL needs 16.1 or later (and no T class).
DATA_API_MIN_VERSION = (16, 1)

# PostgreSQL 16 as a DMS source needs DMS 3.5.3 or later.
DMS_MIN_ENGINE_VERSION = (3, 5, 3)

# The error policies that, left to their defaults (LOG_ERROR, IGNORE_RECORD), let a failed row go to
# awsdms_apply_exceptions while the task runs on; each must be set to stop the task or suspend the table.
ERROR_POLICIES = ("ApplyErrorInsertPolicy", "ApplyErrorUpdatePolicy", "ApplyErrorDeletePolicy", "DataErrorPolicy",
                  "DataTruncationErrorPolicy", "TableErrorPolicy")
LOUD_ERROR_ACTIONS = ("STOP_TASK", "SUSPEND_TABLE")

# Bidirectional replication's loopback prevention works only without batch apply.
BATCH_APPLY_SETTING = ("TargetMetadata", "BatchApplyEnabled")

POSTGRES_ENGINES = ("postgres", "aurora-postgresql")
DECODING_PLUGINS = ("test_decoding", "pglogical")

# Metrics that show WAL held back by a replication slot on Aurora (the reverse task's source), and the
# forward task's source backlog (AWS/DMS, per task).
SLOT_METRICS = ("TransactionLogsDiskUsage", "ReplicationSlotDiskUsage")
BACKLOG_METRICS = ("CDCChangesDiskSource", "CDCIncomingChanges")


def version_tuple(value: object) -> tuple[int, ...] | None:
    """'3.5.4' -> (3, 5, 4); None for anything that is not a dotted version."""
    if not isinstance(value, str) or not value:
        return None
    parts = value.split(".")
    if not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


# Numbers the cutover's design fixes. The configuration is validated against the same bounds, so a value the
# config accepts is one the rules accept.
# Point-in-time recovery: a restore to the pre-cutover checkpoint needs 7 days at least; RDS keeps 35 at most.
PITR_DAYS = (7, 35)
# The weighted records' TTL: a rollback reaches every new lookup within it, so the runbook promises at most 5 min.
RECORD_TTL_SECONDS = (10, 300)
# CloudWatch Logs accepts only these retention values (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
# PCI DSS 10.5.1: a year of audit log history, the controller's decisions and the database's logs included.
MIN_LOG_RETENTION_DAYS = 365
# The lag budget: an alarm above it lets the cutover move while the replica is further behind than promised.
MAX_LAG_THRESHOLD_SECONDS = CONTROLLER_LIMITS["lag_threshold_seconds"][1]
# The alarms the cutover relies on (the lag alarms that roll it back, the backlog and slot alarms) must fire within
# this long of the condition starting: CloudWatch needs `datapoints_to_alarm` (default: `evaluation_periods`)
# breaching periods out of `evaluation_periods`, so the slowest it can fire is evaluation_periods x period.
MAX_ALARM_DELAY_SECONDS = 15 * 60
TIMELY_METRICS = {"AWS/DMS": ("CDCLatencySource", "CDCLatencyTarget", *BACKLOG_METRICS), "AWS/RDS": SLOT_METRICS}
# The controller's function: its timeout covers its longest wait, and Lambda allows 900 s at most.
MIN_CONTROLLER_TIMEOUT_SECONDS = controller_settings.MIN_FUNCTION_TIMEOUT_SECONDS
MAX_LAMBDA_TIMEOUT_SECONDS = 900

# What wakes the controller, as the controller defines it: DMS task state changes, the lag alarms' state
# changes, and a tick once a minute.
DMS_EVENT = controller_models.DMS_EVENT
DMS_EVENT_TYPES = controller_models.TASK_EVENT_TYPES
ALARM_EVENT = controller_models.ALARM_EVENT
TICK_SCHEDULES = ("rate(1 minute)", "cron(* * * * ? *)")
LAG_METRICS = controller_models.LAG_METRICS
