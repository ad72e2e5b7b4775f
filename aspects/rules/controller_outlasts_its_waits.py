"""The cutover controller's timeout covers its longest waits (fenced flip, Route 53 INSYNC) and the calls around them."""

from aspects.controller import environment
from aspects.engine import Resource, Rule, Severity, Violation
from aspects.facts import MAX_LAMBDA_TIMEOUT_SECONDS, MIN_CONTROLLER_TIMEOUT_SECONDS


def check(r: Resource):
    if environment(r) is None:
        return None
    timeout = r.get("timeout")
    if not isinstance(timeout, int) or not MIN_CONTROLLER_TIMEOUT_SECONDS <= timeout <= MAX_LAMBDA_TIMEOUT_SECONDS:
        return [Violation("timeout", f"{timeout!r}: must be {MIN_CONTROLLER_TIMEOUT_SECONDS} to "
                                     f"{MAX_LAMBDA_TIMEOUT_SECONDS} s")]
    return []


RULE = Rule(
    id="MIG-CTL-003", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_lambda_function"}),
    rationale="A function killed while it waits for Route 53 leaves its checkpoint's intent unconfirmed: the "
              "next invocation must repair what a long enough timeout would have finished.",
    fix="timeout from the controller's contract (cutover.settings.MIN_FUNCTION_TIMEOUT_SECONDS)", check=check,
    suppressible=False)
