"""KMS keys are scheduled for deletion after the shortest window (7 days)."""

from aspects.engine import Resource, Rule, Severity, Violation

WINDOW = 7


def check(r: Resource):
    days = r.get("deletion_window_in_days")
    return [] if days == WINDOW else [Violation("deletion_window_in_days", f"{days!r}, not {WINDOW}")]


RULE = Rule(
    id="MIG-DES-005", statement=__doc__.strip(), severity=Severity.WARNING, resource_types=frozenset({"aws_kms_key"}),
    rationale="The default 30 days keeps a destroyed environment's keys billable and its aliases reserved.",
    fix=f"set deletion_window_in_days={WINDOW}", check=check)
