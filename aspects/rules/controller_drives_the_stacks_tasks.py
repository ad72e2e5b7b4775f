"""The tasks in the cutover controller's environment are two distinct tasks of the stack, the forward one being
the task whose resource id the controller reads its metrics by."""

from aspects.controller import environment, resolve, setting
from aspects.engine import Resource, Rule, Severity, Violation


def check(r: Resource):
    variables = environment(r)
    if variables is None:
        return None
    forward_id = setting(variables, "forward_task_resource_id")
    tasks = {field: resolve(r, setting(variables, field), "aws_dms_replication_task", "replication_task_arn")
             for field in ("forward_task_arn", "reverse_task_arn")}
    out = [Violation(f"environment.{field.upper()}", f"{setting(variables, field)!r} is no task of this stack")
           for field, task in tasks.items() if task is None]
    forward, reverse = tasks["forward_task_arn"], tasks["reverse_task_arn"]
    if forward is not None and forward.get("resource_identifier") != forward_id:
        out.append(Violation("environment.FORWARD_TASK_ARN", f"the task with resource id "
                                                             f"{forward.get('resource_identifier')!r}, not the forward "
                                                             f"task {forward_id!r} its metrics are read by"))
    if forward is not None and reverse is not None and forward.name == reverse.name:
        out.append(Violation("environment.REVERSE_TASK_ARN", "the same task as the forward one"))
    return out


RULE = Rule(
    id="MIG-CTL-008", statement=" ".join(__doc__.split()), severity=Severity.ERROR,
    resource_types=frozenset({"aws_lambda_function"}),
    rationale="Swapped tasks would start the forward task as the rollback path and gate the cutover on the "
              "reverse task's health: every decision would read the wrong replication.",
    fix="the tasks from stack/constructs/migration.py", check=check, suppressible=False)
