"""The cutover controller sends the events it could not process to a dead-letter queue of the stack."""

from aspects.controller import environment, resolve
from aspects.engine import Resource, Rule, Severity, Violation, first


def check(r: Resource):
    if environment(r) is None:
        return None
    target = (first(r.get("dead_letter_config")) or {}).get("target_arn")
    if resolve(r, target, "aws_sqs_queue", "arn") is None:
        return [Violation("dead_letter_config.target_arn", f"{target!r} is not a queue of this stack")]
    return []


RULE = Rule(
    id="MIG-CTL-002", statement=__doc__.strip(), severity=Severity.ERROR,
    resource_types=frozenset({"aws_lambda_function"}),
    rationale="A DMS FAILED event or a lag alarm the controller could not process after its retries would "
              "otherwise vanish, and the cutover would go on as if the task were healthy.",
    fix="dead_letter_config.target_arn = the stack's queue (stack/constructs/cutover.py)", check=check,
    suppressible=False)
