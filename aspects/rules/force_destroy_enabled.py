"""Containers that refuse to be destroyed while not empty set force_destroy."""

from aspects.engine import Resource, Rule, Severity, Violation

TYPES = frozenset({"aws_route53_zone", "aws_backup_vault", "aws_s3_bucket"})


def check(r: Resource):
    return [] if r.get("force_destroy") is True else [Violation("force_destroy", "destroy fails while not empty")]


RULE = Rule(
    id="MIG-DES-004", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=TYPES,
    rationale="A zone with records or a vault with recovery points blocks destroy.",
    fix="set force_destroy=True", check=check)
