"""The forward DMS task is full-load-and-cdc with data validation; the reverse task is cdc only."""

import json

from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    kind = r.get("migration_type")
    if kind == "cdc":
        return []
    out = []
    if kind != "full-load-and-cdc":
        out.append(Violation("migration_type", f"{kind!r}: a full load alone loses every write made during it"))
    try:
        settings = json.loads(r.get("replication_task_settings") or "{}")
    except ValueError:
        settings = {}
    if settings.get("ValidationSettings", {}).get("EnableValidation") is not True:
        out.append(Violation("replication_task_settings", "ValidationSettings.EnableValidation is not true"))
    if not r.get("resource_identifier"):
        out.append(Violation("resource_identifier", "unset: the task's metric dimension is unknown at synth"))
    return out


RULE = Rule(
    id="MIG-MIG-004", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_dms_replication_task"}),
    rationale="Zero downtime needs CDC after the full load; zero lost writes needs validation to prove it.",
    fix='migration_type="full-load-and-cdc", ValidationSettings.EnableValidation=true, resource_identifier set',
    check=check, suppressible=False)
