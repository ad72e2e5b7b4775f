"""The checkpoint parameters named in the cutover controller's environment are two distinct parameters of the
stack."""

from aspects.controller import environment, resolve, setting
from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    variables = environment(r)
    if variables is None:
        return None
    out, found = [], []
    for field in ("state_parameter", "event_parameter"):
        value = setting(variables, field)
        parameter = resolve(r, value, "aws_ssm_parameter", "name")
        if parameter is None:
            out.append(Violation(f"environment.{field.upper()}", f"{value!r} is no parameter of this stack"))
        else:
            found.append(parameter.name)
    if len(found) == 2 and found[0] == found[1]:
        out.append(Violation("environment", "the state and the event record share one parameter"))
    return out


RULE = Rule(
    id="MIG-CTL-006", statement=" ".join(__doc__.split()), severity=Severity.ERROR,
    resource_types=frozenset({"aws_lambda_function"}),
    rationale="A checkpoint the stack does not create has no customer-managed key, no ignore_changes and no "
              "grant: the controller would fail on its first write, or remember nothing across invocations.",
    fix="STATE_PARAMETER and EVENT_PARAMETER from stack/constructs/checkpoints.py", check=check,
    suppressible=False)
