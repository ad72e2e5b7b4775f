"""DMS tasks stop on any row they cannot apply, convert or load, and never batch-apply (loopback prevention)."""

import json

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import BATCH_APPLY_SETTING, ERROR_POLICIES, LOUD_ERROR_ACTIONS


def check(r: Resource):
    try:
        settings = json.loads(r.get("replication_task_settings") or "{}")
    except ValueError:
        return [Violation("replication_task_settings", "not JSON: every error policy falls back to its default")]
    errors = settings.get("ErrorBehavior") or {}
    out = [Violation(f"replication_task_settings.ErrorBehavior.{policy}",
                     f"{errors.get(policy, 'unset (DMS logs or ignores the row)')!r}: a failed row must "
                     f"{' or '.join(LOUD_ERROR_ACTIONS)}, not go to awsdms_apply_exceptions while the task runs on")
           for policy in ERROR_POLICIES if errors.get(policy) not in LOUD_ERROR_ACTIONS]
    section, key = BATCH_APPLY_SETTING
    if (settings.get(section) or {}).get(key) is not False:
        out.append(Violation(f"replication_task_settings.{section}.{key}",
                             "must be stated false: loopback prevention of bidirectional replication needs it"))
    target = settings.get("TargetMetadata") or {}
    if target.get("SupportLobs") is False:
        out.append(Violation("replication_task_settings.TargetMetadata.SupportLobs",
                             "false drops TEXT, BYTEA, JSON/JSONB and array columns"))
    elif target.get("LimitedSizeLobMode") and not (isinstance(target.get("LobMaxSize"), int)
                                                   and target["LobMaxSize"] > 0):
        out.append(Violation("replication_task_settings.TargetMetadata.LobMaxSize",
                             "limited LOB mode needs a positive LobMaxSize (KB)"))
    return out


RULE = Rule(
    id="MIG-MIG-005", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_dms_replication_task"}),
    rationale="DMS's defaults log a failed insert or update, ignore a failed delete, and run on: the two databases "
              "drift apart and nothing alarms. A stopped task fires an event the controller holds or rolls back on.",
    fix="ErrorBehavior policies STOP_TASK (or SUSPEND_TABLE), TargetMetadata.BatchApplyEnabled=false, "
        "LOBs supported (stack/constructs/migration.py task_settings)",
    check=check, suppressible=False)
