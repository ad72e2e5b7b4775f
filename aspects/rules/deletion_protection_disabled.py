"""Nothing has deletion protection: the stack must be destroyable by `cdktf destroy`."""

from aspects.engine import Resource, Rule, Severity, Violation

PROPERTY = {"aws_rds_cluster": "deletion_protection", "aws_cloudwatch_log_group": "deletion_protection_enabled",
            "aws_db_instance": "deletion_protection"}


def check(r: Resource):
    prop = PROPERTY[r.type]
    return [Violation(prop, f"{prop} is on")] if r.get(prop) is True else []


RULE = Rule(
    id="MIG-DES-001", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset(PROPERTY),
    rationale="The migration stack is temporary; data safety comes from backups and PITR, not from blocking destroy.",
    fix="set deletion_protection=False", check=check, suppressible=False)
