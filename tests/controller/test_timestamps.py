"""Every timestamp is read the same way: naive or zone-aware, whatever mix the gateways receive, every
measurement and every decision comes out the same (the clients' after-call hook reads a naive time as UTC)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from botocore.stub import Stubber
from cutover import logic
from cutover.gates import assessment_gate
from cutover.gateways.dms import DmsGateway
from cutover.logic import CommandRefusedError
from cutover.models import ALL_ON_AURORA, Command, Phase, Records, State
from cutover.settings import Settings
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.controller import fakes

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SETTINGS = Settings.from_env(fakes.environment())
FIELDS = ("task_created", "run_created", "newer_created", "stop_date")


def shaped(moment: datetime, naive: bool) -> datetime:
    """The same instant, with or without its zone (an emulator's or a stub's answer)."""
    return moment.replace(tzinfo=None) if naive else moment


def answers(stubber: Stubber, times: dict[str, datetime], naive: dict[str, bool]) -> None:
    t = {k: shaped(v, naive[k]) for k, v in times.items()}
    runs = [{"ReplicationTaskAssessmentRunArn": f"arn:aws:dms:us-east-1:123456789012:assessment-run:{name}",
             "ReplicationTaskArn": SETTINGS.forward_task_arn, "Status": status, "AssessmentRunName": name,
             "ReplicationTaskAssessmentRunCreationDate": t[key], "ResultLocationBucket": "b",
             "ResultLocationFolder": "f"}
            for name, status, key in (("done", "passed", "run_created"), ("later", "running", "newer_created"))]
    stubber.add_response("describe_replication_task_assessment_runs", {"ReplicationTaskAssessmentRuns": runs})
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [{
        "ReplicationTaskArn": SETTINGS.forward_task_arn, "ReplicationTaskCreationDate": t["task_created"]}]})
    stubber.add_response("describe_replication_task_individual_assessments",
                         {"ReplicationTaskIndividualAssessments": []})
    stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [{
        "ReplicationTaskArn": SETTINGS.reverse_task_arn, "Status": "stopped",
        "ReplicationTaskStats": {"StopDate": t["stop_date"]}}]})


def measured_and_decided(times: dict[str, datetime], naive: dict[str, bool]) -> tuple:
    client = fakes.client("dms")
    with Stubber(client) as stubber:
        answers(stubber, times, naive)
        gateway = DmsGateway(client, forward_arn=SETTINGS.forward_task_arn, reverse_arn=SETTINGS.reverse_task_arn)
        assessment, reverse = gateway.assessment(), gateway.task(SETTINGS.reverse_task_arn)
    state = replace(State(), phase=Phase.CUT_OVER, writer=ALL_ON_AURORA, readers=ALL_ON_AURORA,
                    writes_since=times["run_created"], updated_at=NOW)
    observed = Records(ALL_ON_AURORA, ALL_ON_AURORA)
    try:
        logic.decide(state, Command("rollback"), SETTINGS, now=NOW, observed=observed, reverse=reverse)
        refusal = None
    except CommandRefusedError as error:
        refusal = str(error)
    forced = logic.decide(state, Command("rollback", force=True), SETTINGS, now=NOW, observed=observed,
                          reverse=reverse)
    return assessment, assessment_gate(assessment), reverse, refusal, forced


moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 20, 8, 59),
                       timezones=st.just(UTC))


@settings(max_examples=60, deadline=None)
@given(times=st.fixed_dictionaries({k: moments for k in FIELDS}),
       naive=st.fixed_dictionaries({k: st.booleans() for k in FIELDS}))
def test_any_mix_of_naive_and_aware_timestamps_leaves_every_decision_unchanged(times, naive):
    aware = measured_and_decided(times, dict.fromkeys(FIELDS, False))
    mixed = measured_and_decided(times, naive)
    assert mixed == aware
    assessment, _, reverse, refusal, _ = mixed
    assert all(m.tzinfo is not None for m in (assessment.completed_at, assessment.task_created_at, reverse.stopped_at))
    assert refusal is not None and "stopped" in refusal  # the reverse task is down: refused, with how long ago


def test_a_rollback_refused_on_a_naive_stop_date_says_since_when():
    """The reverse task's StopDate without a zone: a refusal with its age, not a TypeError."""
    times = {k: NOW - timedelta(minutes=90) for k in FIELDS} | {"stop_date": NOW - timedelta(minutes=42)}
    *_, refusal, forced = measured_and_decided(times, dict.fromkeys(FIELDS, True))
    assert "stopped 42 min ago" in refusal
    assert forced.state.phase is Phase.ROLLING_BACK


def test_the_hook_reads_every_nested_naive_time_as_utc():
    from cutover.gateways.clients import aware

    answer = {"a": [{"b": datetime(2026, 1, 1, 12)}], "c": datetime(2026, 1, 1, 12, tzinfo=UTC), "d": "text"}
    aware(answer)
    assert answer == {"a": [{"b": datetime(2026, 1, 1, 12, tzinfo=UTC)}],
                      "c": datetime(2026, 1, 1, 12, tzinfo=UTC), "d": "text"}


@pytest.mark.parametrize("naive", [True, False])
def test_a_client_made_another_way_would_leave_the_time_naive(naive):
    """The hook is what makes the difference: a plain client hands the stub's naive time through as it came."""
    import boto3

    client = boto3.client("dms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    moment = shaped(NOW, naive)
    with Stubber(client) as stubber:
        stubber.add_response("describe_replication_tasks", {"ReplicationTasks": [{
            "ReplicationTaskArn": SETTINGS.reverse_task_arn, "Status": "stopped",
            "ReplicationTaskStats": {"StopDate": moment}}]})
        stopped = DmsGateway(client, forward_arn="f", reverse_arn="r").task(SETTINGS.reverse_task_arn).stopped_at
    assert (stopped.tzinfo is None) is naive
