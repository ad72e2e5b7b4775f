"""DMS tasks ignore changes to their settings, which AWS expands and a running task cannot take."""

from aspects.engine import Resource, Rule, Severity, Violation, ignores_changes


def check(r: Resource):
    if ignores_changes(r, "replication_task_settings"):
        return []
    return [Violation("lifecycle.ignore_changes", "every plan would show a diff and try to modify a running task")]


RULE = Rule(
    id="MIG-MIG-003", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_dms_replication_task"}),
    rationale="Modifying a running task fails; stopping it to apply a no-op diff interrupts CDC.",
    fix='lifecycle ignore_changes=["replication_task_settings"]', check=check, suppressible=False)
