"""The cutover controller runs one invocation at a time (reserved concurrency 1)."""

from aspects.controller import environment
from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    if environment(r) is None:
        return None
    concurrency = r.get("reserved_concurrent_executions")
    if concurrency != 1:
        return [Violation("reserved_concurrent_executions", f"{concurrency!r}: must be 1")]
    return []


RULE = Rule(
    id="MIG-CTL-001", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_lambda_function"}),
    rationale="Two invocations deciding at once (a tick and an alarm) could each shift weights from the same "
              "checkpoint; the checkpoint's version guard catches it only after Route 53 has moved.",
    fix="reserved_concurrent_executions = 1 (stack/constructs/cutover.py)", check=check, suppressible=False)
