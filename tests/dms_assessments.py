"""DMS premigration assessment answers, shaped as the DMS API reference shapes them, for a botocore Stubber
(moto has no assessment runs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from botocore.stub import ANY

RUN_ARN = "arn:aws:dms:us-east-1:123456789012:assessment-run:RUN1"


def queue_newest_run(stubber, settings, status: str, individual: dict[str, str]) -> None:
    """What one look at the newest run returns: the run, then its individual assessments. Anything an earlier,
    interrupted look left queued is dropped."""
    stubber._queue.clear()
    created = datetime.now(UTC) + timedelta(minutes=1)  # after the task's creation (the emulator's wall clock)
    stubber.add_response("describe_replication_task_assessment_runs", {"ReplicationTaskAssessmentRuns": [{
        "ReplicationTaskAssessmentRunArn": RUN_ARN, "ReplicationTaskArn": settings.forward_task_arn, "Status": status,
        "ReplicationTaskAssessmentRunCreationDate": created, "AssessmentRunName": "premigration-run1",
        "ResultLocationBucket": settings.assessment_bucket, "ResultLocationFolder": settings.assessment_folder,
        "AssessmentProgress": {"IndividualAssessmentCount": len(individual),
                               "IndividualAssessmentCompletedCount": len(individual)}}]},
        {"Filters": [{"Name": "replication-task-arn", "Values": [settings.forward_task_arn]}]})
    stubber.add_response("describe_replication_task_individual_assessments", {
        "ReplicationTaskIndividualAssessments": [
            {"ReplicationTaskIndividualAssessmentArn": f"{RUN_ARN}:{n}", "ReplicationTaskAssessmentRunArn": RUN_ARN,
             "IndividualAssessmentName": name, "Status": result}
            for n, (name, result) in enumerate(individual.items())]},
        {"Filters": [{"Name": "replication-task-assessment-run-arn", "Values": [RUN_ARN]}]})


def expect_start(stubber, settings) -> None:
    """The start call the controller must make, parameter for parameter (only the run's name is free)."""
    stubber.add_response("start_replication_task_assessment_run", {"ReplicationTaskAssessmentRun": {
        "ReplicationTaskAssessmentRunArn": RUN_ARN.replace("RUN1", "NEW"), "ReplicationTaskArn": settings.forward_task_arn,
        "Status": "starting"}}, {
        "ReplicationTaskArn": settings.forward_task_arn, "ServiceAccessRoleArn": settings.assessment_role_arn,
        "ResultLocationBucket": settings.assessment_bucket, "ResultLocationFolder": settings.assessment_folder,
        "ResultEncryptionMode": "SSE_KMS", "ResultKmsKeyArn": settings.assessment_key_arn, "AssessmentRunName": ANY})
