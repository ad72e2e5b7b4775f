"""Weighted records have a TTL of 10 to 300 s, so a rollback reaches every new lookup within 5 minutes."""

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import RECORD_TTL_SECONDS


def check(r: Resource):
    if not r.get("weighted_routing_policy"):
        return None
    ttl = r.get("ttl")
    low, high = RECORD_TTL_SECONDS
    if not isinstance(ttl, int) or not low <= ttl <= high:
        return [Violation("ttl", f"{ttl!r}: must be {low} to {high} s; resolvers keep the old answer for a TTL")]
    return []


RULE = Rule(
    id="MIG-DNS-002", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_route53_record"}),
    rationale="A rollback is a weight change; a long TTL keeps new connections going to the database being left "
              "for as long as resolvers cache it, past what the runbook promises.",
    fix="config dns.ttl_seconds (10 to 300)", check=check, suppressible=False)
