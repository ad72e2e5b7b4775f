"""The DMS replication instance class has at least 2 vCPU and 8 GiB of memory."""

from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import DMS_CLASSES, DMS_MIN_GIB, DMS_MIN_VCPU


def check(r: Resource):
    kind = r.get("replication_instance_class")
    spec = DMS_CLASSES.get(kind)
    if spec is None:
        return [Violation("replication_instance_class", f"{kind!r} is not in the sizing table")]
    if spec[0] < DMS_MIN_VCPU or spec[1] < DMS_MIN_GIB:
        return [Violation("replication_instance_class", f"{kind} has {spec[0]} vCPU / {spec[1]} GiB")]
    return []


RULE = Rule(
    id="MIG-DMS-001", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_dms_replication_instance"}),
    rationale="An undersized instance swaps during full load plus CDC, lag grows, and the task can be OOM-killed.",
    fix="use dms.r6i.large or larger (see aspects/facts.py DMS_CLASSES)", check=check)
