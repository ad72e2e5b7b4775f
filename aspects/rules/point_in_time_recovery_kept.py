"""Aurora clusters keep at least 7 days of point-in-time recovery (and no more than RDS allows)."""

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import PITR_DAYS


def check(r: Resource):
    days = r.get("backup_retention_period")
    low, high = PITR_DAYS
    if not isinstance(days, int) or not low <= days <= high:
        return [Violation("backup_retention_period", f"{days!r}: must be {low} to {high} days; a restore to the "
                                                     "pre-cutover checkpoint needs the time it was taken")]
    return []


RULE = Rule(
    id="MIG-DB-002", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_rds_cluster"}),
    rationale="The rollback's last resort, restore-to-checkpoint, is a point-in-time restore to the moment the "
              "cutover started; with less retention that moment may already be gone.",
    fix="config database.backup_retention_days (7 to 35)", check=check, suppressible=False)
