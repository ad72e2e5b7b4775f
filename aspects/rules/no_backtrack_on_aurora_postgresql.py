"""Aurora PostgreSQL clusters do not ask for backtrack (only Aurora MySQL has it)."""

from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    if not str(r.get("engine", "")).startswith("aurora-postgresql"):
        return None
    if (r.get("backtrack_window") or 0) > 0:
        return [Violation("backtrack_window", "AWS rejects this at apply: 'Backtrack is not enabled for the "
                          "aurora-postgresql engine'. Rollback uses the reverse CDC task and point-in-time restore")]
    return []


RULE = Rule(
    id="MIG-ENG-001", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_rds_cluster"}),
    rationale="A deploy that fails at apply half way through leaves a partly built migration.",
    fix="remove backtrack_window; see docs/runbook.md, 'Rollback on PostgreSQL: no backtrack'", check=check,
    suppressible=False)
