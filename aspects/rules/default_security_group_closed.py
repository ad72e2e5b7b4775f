"""The default security group of every VPC allows no traffic."""

from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    out = []
    for direction in ("ingress", "egress"):
        if r.get(direction) != []:
            out.append(Violation(direction, f"{direction} is not explicitly empty"))
    return out


RULE = Rule(
    id="MIG-NET-001", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_default_security_group"}),
    rationale="Anything launched without a security group would otherwise talk to everything in the VPC.",
    fix="declare aws_default_security_group with ingress=[] and egress=[]", check=check)
