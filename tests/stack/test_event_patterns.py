"""The synthesized event patterns, run by EventBridge's matching rules (moto's implementation) against
the sample events: both DMS payload shapes and FAILED match; other tasks and sources do not."""

from __future__ import annotations

import copy
import json
import re

from moto.events.models import EventPattern

TASK_ARN = "arn:aws:dms:us-east-1:111122223333:task:fwd-sbx01"


def pattern(synthesized, name_start: str) -> EventPattern:
    rule = next(r for r in synthesized.resources("aws_cloudwatch_event_rule") if r["name"].startswith(name_start))
    # Deploy-time values: the test account's ids in place of the tokens.
    raw = rule["event_pattern"]
    raw = re.sub(r"\$\{aws_dms_replication_task\.[^}]*forward[^}]*\}", TASK_ARN, raw)
    raw = re.sub(r"\$\{aws_dms_replication_task\.[^}]*\}", "arn:aws:dms:us-east-1:111122223333:task:rev-sbx01", raw)
    raw = raw.replace("${data.aws_partition.partition.partition}", "aws")
    raw = raw.replace("${data.aws_caller_identity.caller.account_id}", "111122223333")
    assert "${" not in raw
    return EventPattern.load(raw)


def test_both_dms_payload_shapes_and_failed_match_for_our_task(synthesized, samples):
    dms = pattern(synthesized, "dms-task-state")
    for name in ("dms-task-started", "dms-task-failed", "dms-task-stopped-observed"):
        event = dict(copy.deepcopy(samples[name]), resources=[TASK_ARN])
        assert dms.matches_event(event), name
        other = dict(copy.deepcopy(samples[name]), resources=["arn:aws:dms:us-east-1:111122223333:task:someone-else"])
        assert not dms.matches_event(other), name


def test_the_lag_alarm_sample_matches_once_named_for_this_stack(synthesized, samples):
    lag = pattern(synthesized, "lag-alarm-state")
    event = json.loads(json.dumps(samples["cloudwatch-lag-alarm"]))
    assert lag.matches_event(event)  # the sample is the sbx01 target-latency alarm
    event["resources"] = [event["resources"][0].replace("sbx01", "other1")]
    assert not lag.matches_event(event)
    assert not pattern(synthesized, "dms-task-state").matches_event(samples["cloudwatch-lag-alarm"])
