"""Facts about AWS DMS that decide whether replication can lose data, owned by the policy side.

The stack builds its settings from these and the rules judge against them; neither restates them.
Sources: AWS DMS user guide, "Error handling task settings", "Target metadata task settings",
"Using a PostgreSQL database as an AWS DMS source" and the DMS release notes.
"""

from __future__ import annotations

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
