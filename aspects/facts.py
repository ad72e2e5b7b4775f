"""Facts that decide what is compliant, owned by the policy side: DMS sizing and data safety, the required
tags, the actions IAM authorizes only on "*".

The stack builds its settings from these and the rules judge against them; neither restates them.
Sources: AWS DMS user guide, "Error handling task settings", "Target metadata task settings",
"Using a PostgreSQL database as an AWS DMS source" and the DMS release notes.
"""

from __future__ import annotations

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
# Reference); a "*" resource is accepted for these and nothing else.
# route53:GetChange is not one: it takes arn:aws:route53:::change/*.
UNSCOPED_ACTIONS = frozenset({"cloudwatch:GetMetricData", "dms:DescribeReplicationTasks",
                              "dms:DescribeReplicationTaskAssessmentRuns",
                              "dms:DescribeReplicationTaskIndividualAssessments", "xray:PutTelemetryRecords",
                              "xray:PutTraceSegments"})

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
