"""Log groups keep their logs for a CloudWatch retention value of at least 365 days."""

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import LOG_RETENTION_DAYS, MIN_LOG_RETENTION_DAYS


def check(r: Resource):
    days = r.get("retention_in_days")
    if days in (None, 0):
        return []  # never expire: kept longer than asked
    if days not in LOG_RETENTION_DAYS or days < MIN_LOG_RETENTION_DAYS:
        return [Violation("retention_in_days", f"{days!r}: must be one of CloudWatch's values of "
                                               f"{MIN_LOG_RETENTION_DAYS} days or more")]
    return []


RULE = Rule(
    id="MIG-LOG-001", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_cloudwatch_log_group"}),
    rationale="The controller's decisions, DMS's task logs and the database's logs are the cutover's audit trail; "
              "PCI DSS 10.5.1 asks for a year of it.",
    fix="config database.log_retention_days and network.flow_log_retention_days (365 or more)", check=check)
