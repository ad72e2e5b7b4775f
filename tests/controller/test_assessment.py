"""Premigration assessment as a gate: `assess` starts a DMS run of the forward task, `status` shows it, and
start-cutover is refused until the newest completed run passed (DMS answers through Stubber: moto has no
assessment runs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cutover.gates import AssessmentCheck, assessment_gate
from cutover.logic import CommandRefusedError, decide
from cutover.models import ALL_ON_PREM, Command, Records, State
from hypothesis import given
from hypothesis import strategies as st

from tests.controller.fakes import Clock, environment
from tests.controller.world import PASSING_ASSESSMENTS

GATE = "premigration assessment passed, newer than the task"


def assess(world) -> dict:
    world.task("forward").status = "ready"  # before the full load: DMS assesses a task that is not replicating
    world.expect_assessment_start()
    return world.handle({"command": "assess", "reason": "CHG-9"})


def test_assess_starts_a_run_of_the_forward_task_and_records_it(world):
    result = assess(world)
    assert result["ok"] and result["outcome"] == "assessment started"
    world.assessments.assert_no_pending_responses()  # the start call matched the API's shape and our settings
    assert world.state()["assessment"]["run_arn"].endswith(":assessment-run:NEW")
    assert "Premigration assessment started" in world.notices()


def test_assess_is_refused_while_the_task_replicates_and_a_dry_run_writes_nothing(world):
    versions = len(world.history())
    refused = world.handle({"command": "assess"})
    assert refused["ok"] is False and "status=running" in refused["error"] and "before the full load" in refused["error"]
    world.task("forward").status = "ready"
    dry = world.handle({"command": "assess", "dry_run": True})
    assert dry["dry_run"] and "StartAssessment" in dry["would"][0]
    assert len(world.history()) == versions


def test_a_passed_run_lets_the_cutover_start_and_status_shows_it(world):
    world.validation_clean()
    status = world.handle({"command": "status"})
    gate = next(g for g in status["gates"] if g["name"] == GATE)
    assert gate["ok"] and "run premigration-run1 passed" in gate["measured"]
    assert "s3://dms-assessment-test01-20261120/premigration" in gate["measured"]
    world.validation_clean()
    assert world.handle({"command": "start-cutover"})["phase"] == "shifting"


def test_a_failed_run_blocks_the_cutover_naming_the_failed_assessments_and_where_to_read_them(world):
    world.assessed("failed", {**dict.fromkeys(PASSING_ASSESSMENTS, "passed"), "postgres-check-pk": "failed",
                              "postgres-check-wal-level": "error", "postgres-check-lob": "warning"})
    world.validation_clean()
    refused = world.handle({"command": "start-cutover"})
    assert refused["ok"] is False
    assert "failed: postgres-check-pk, postgres-check-wal-level" in refused["error"]
    assert "warnings (not blocking): postgres-check-lob" in refused["error"]
    assert "s3://dms-assessment-test01-20261120/premigration" in refused["error"]
    assert world.state()["phase"] == "replicating"


def test_warnings_alone_do_not_block(world):
    world.assessed("warning", {**dict.fromkeys(PASSING_ASSESSMENTS, "passed"), "postgres-check-lob": "warning"})
    world.validation_clean()
    assert world.handle({"command": "start-cutover"})["phase"] == "shifting"


# The gate's laws, over any run DMS could report.
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SETTINGS = __import__("cutover.settings", fromlist=["Settings"]).Settings.from_env(environment())
RUN_STATUS = st.sampled_from(["passed", "warning", "failed", "error-provisioning", "error-executing", "none"])
INDIVIDUAL = st.dictionaries(st.sampled_from(PASSING_ASSESSMENTS),
                             st.sampled_from(["passed", "warning", "failed", "error", "skipped"]))


@given(status=RUN_STATUS, individual=INDIVIDUAL, age=st.integers(-120, 120))
def test_start_cutover_succeeds_only_after_a_passed_run_newer_than_the_task(status, individual, age):
    # A run that never completed reports no individual assessment.
    failed = () if status == "none" else tuple(sorted(n for n, s in individual.items() if s in ("failed", "error")))
    check = AssessmentCheck("" if status == "none" else "run-1", status, NOW, NOW - timedelta(minutes=age), failed,
                            location="s3://bucket/premigration")
    gate = assessment_gate(check)
    passed = status in ("passed", "warning") and not failed and age >= 0
    try:
        decide(State(), Command("start-cutover"), SETTINGS, now=Clock()(), observed=Records(ALL_ON_PREM, ALL_ON_PREM),
               gates=[gate])
        started = True
    except CommandRefusedError as error:
        started = False
        for name in failed:
            assert name in str(error)  # a failed assessment blocks with its name
    assert started is passed
