"""The one place physical names come from.

Every name the stack gives a resource is listed in CATALOG with the kind of AWS rule it must meet (the
rules themselves are the policy side's, aspects/names.py), so the longest allowed environment suffix is
derived from the names themselves rather than guessed, and a name that cannot fit is a configuration
error before anything is built.
"""

from __future__ import annotations

import re
from datetime import datetime

from aspects.names import RULES, forbidden_words

SUFFIX_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
SUFFIX_MIN = 3

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
    # fence
    "fence_function": ("lambda_function", "cutover-fence-{s}"),
    "fence_role": ("iam_role", "cutover-fence-{s}"),
    "fence_policy": ("iam_policy", "cutover-fence-{s}"),
    "fence_log_group": ("log_group", "/aws/lambda/cutover-fence-{s}"),
    "fence_sg": ("security_group", "cutover-fence-{s}"),
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
    "alarm_rollback_stuck": ("alarm", "cutover-rollback-retrying-{s}"),
    # backup
    "backup_vault": ("backup_vault", "migration-vault-{s}"),
    "backup_plan": ("backup_plan", "migration-plan-{s}"),
    "backup_selection": ("backup_selection", "aurora-{s}"),
    "backup_role": ("iam_role", "backup-{s}"),
}

class NamingError(ValueError):
    """A physical name breaks its AWS rule."""


def _fill(template: str, suffix: str) -> str:
    """A template with the suffix, and the longest restore time the controller can write in it."""
    from foundation.controller_contract import models

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
