"""What wakes the cutover controller: DMS task state changes, lag alarm changes, and a minute tick.

DMS events are matched on source, detail-type, detail.eventType and the two tasks' ARNs (resources);
nothing else of the payload, since real payloads differ from the documented sample elsewhere. FAILED
is included: a task killed by the OOM killer fires FAILED, not STOPPED.
"""

from __future__ import annotations

import json

from constructs import Construct

from aspects.facts import ALARM_EVENT, DMS_EVENT, DMS_EVENT_TYPES, TICK_SCHEDULES
from foundation.aws.cloudwatch_event_rule import CloudwatchEventRule
from foundation.aws.cloudwatch_event_target import CloudwatchEventTarget
from foundation.aws.lambda_permission import LambdaPermission
from foundation.aws.sns_topic import SnsTopic
from foundation.aws.sns_topic_policy import SnsTopicPolicy
from stack import iam, naming
from stack.iam import Account


class Events(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, account: Account, key_arn: str,
                 task_arns: list[str], alarm_names: list[str]):
        super().__init__(scope, id_)
        self.topic = SnsTopic(self, "topic", name=naming.name("topic", suffix), kms_master_key_id=key_arn)
        SnsTopicPolicy(self, "topic-policy", arn=self.topic.arn, policy=iam.document(
            {"Sid": "AlarmsPublish", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
             "Action": "sns:Publish", "Resource": self.topic.arn,
             "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}}},
            {"Sid": "DenyWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
             "Resource": self.topic.arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ))
        self.rules = {
            "dms": CloudwatchEventRule(
                self, "dms-task-state", name=naming.name("rule_dms", suffix),
                description="DMS replication task state changes of the migration tasks",
                event_pattern=json.dumps({"source": [DMS_EVENT[0]], "detail-type": [DMS_EVENT[1]],
                                          "resources": task_arns, "detail": {"eventType": list(DMS_EVENT_TYPES)}})),
            "lag-alarm": CloudwatchEventRule(
                self, "lag-alarm-state", name=naming.name("rule_lag_alarm", suffix),
                description="State changes of the CDC latency alarms",
                event_pattern=json.dumps({
                    "source": [ALARM_EVENT[0]], "detail-type": [ALARM_EVENT[1]],
                    "resources": [account.arn("cloudwatch", f"alarm:{name}") for name in alarm_names]})),
            "tick": CloudwatchEventRule(
                self, "cutover-tick", name=naming.name("rule_tick", suffix),
                description="Advances an in-progress cutover by at most one step",
                schedule_expression=TICK_SCHEDULES[0]),
        }

    def route_to(self, function_arn: str, function_name: str) -> None:
        """Send every rule to the function, each permission scoped to its own rule."""
        for key, rule in self.rules.items():
            CloudwatchEventTarget(self, f"{key}-target", rule=rule.name, arn=function_arn, target_id="cutover",
                                  retry_policy={"maximum_retry_attempts": 4, "maximum_event_age_in_seconds": 600})
            LambdaPermission(self, f"{key}-invoke", statement_id=f"events-{key}", action="lambda:InvokeFunction",
                             function_name=function_name, principal="events.amazonaws.com", source_arn=rule.arn)
