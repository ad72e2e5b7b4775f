"""DMS: task status, table validation statistics, and starting the reverse task.

Timestamps arrive zone-aware: the client's after-call hook (cutover.gateways.clients) normalizes every answer.
"""

from __future__ import annotations

from datetime import datetime

from cutover.gates import IDLE_TASK_STATES, STARTED_TASK_STATES, AssessmentCheck, TaskStatus, Validation

STARTED = STARTED_TASK_STATES


class TaskBusyError(RuntimeError):
    """The task is in a passing state in which DMS refuses a start; a later invocation retries."""


COMPLETED_RUNS = ("passed", "warning", "failed", "error-provisioning", "error-executing")
FAILING = ("failed", "error")


class DmsGateway:
    def __init__(self, client, *, forward_arn: str, reverse_arn: str, statistics_client=None,
                 assessment_client=None):
        self.client, self.forward_arn, self.reverse_arn = client, forward_arn, reverse_arn
        self.statistics_client = statistics_client or client
        self.assessment_client = assessment_client or client

    def start_assessment(self, *, name: str, bucket: str, folder: str, role_arn: str, key_arn: str,
                         exclude: tuple[str, ...]) -> str:
        """Every individual assessment DMS supports for the task's engines, but those excluded (with a reason,
        in config); results encrypted with the stack's key."""
        kwargs = {"Exclude": list(exclude)} if exclude else {}
        response = self.assessment_client.start_replication_task_assessment_run(
            ReplicationTaskArn=self.forward_arn, ServiceAccessRoleArn=role_arn, ResultLocationBucket=bucket,
            ResultLocationFolder=folder, ResultEncryptionMode="SSE_KMS", ResultKmsKeyArn=key_arn,
            AssessmentRunName=name, **kwargs)
        return response["ReplicationTaskAssessmentRun"]["ReplicationTaskAssessmentRunArn"]

    def assessment(self) -> AssessmentCheck:
        runs = self.assessment_client.describe_replication_task_assessment_runs(
            Filters=[{"Name": "replication-task-arn", "Values": [self.forward_arn]}])["ReplicationTaskAssessmentRuns"]
        created = lambda r: r.get("ReplicationTaskAssessmentRunCreationDate")  # noqa: E731
        done = sorted((r for r in runs if r.get("Status") in COMPLETED_RUNS), key=created)
        going = [r for r in runs if r.get("Status") not in COMPLETED_RUNS and (not done or created(r) > created(done[-1]))]
        running = f"{going[-1].get('AssessmentRunName')} ({going[-1].get('Status')})" if going else ""
        task = self.client.describe_replication_tasks(
            Filters=[{"Name": "replication-task-arn", "Values": [self.forward_arn]}], WithoutSettings=True)
        task_created = next(iter(task.get("ReplicationTasks") or []), {}).get("ReplicationTaskCreationDate")
        if not done:
            return AssessmentCheck("", "none", task_created_at=task_created, newer_running=running)
        run = done[-1]
        individual = self.assessment_client.describe_replication_task_individual_assessments(
            Filters=[{"Name": "replication-task-assessment-run-arn",
                      "Values": [run["ReplicationTaskAssessmentRunArn"]]}])["ReplicationTaskIndividualAssessments"]
        names = lambda *statuses: tuple(sorted(i["IndividualAssessmentName"] for i in individual  # noqa: E731
                                               if i.get("Status") in statuses))
        return AssessmentCheck(
            run.get("AssessmentRunName", run["ReplicationTaskAssessmentRunArn"]), run["Status"], created(run),
            task_created, names(*FAILING), names("warning"),
            f"s3://{run.get('ResultLocationBucket', '')}/{run.get('ResultLocationFolder', '')}", running)

    def task(self, arn: str) -> TaskStatus:
        response = self.client.describe_replication_tasks(
            Filters=[{"Name": "replication-task-arn", "Values": [arn]}], WithoutSettings=True)
        tasks = response.get("ReplicationTasks") or []
        if not tasks:
            return TaskStatus("missing")
        task = tasks[0]
        stats = task.get("ReplicationTaskStats") or {}
        return TaskStatus(task.get("Status", "unknown"), int(stats.get("FullLoadProgressPercent", 0)),
                          int(stats.get("TablesLoading", 0)), int(stats.get("TablesQueued", 0)),
                          stats.get("StopDate") if task.get("Status") in ("stopped", "failed") else None)

    def validation(self) -> Validation:
        pages = self.statistics_client.get_paginator("describe_table_statistics").paginate(
            ReplicationTaskArn=self.forward_arn, PaginationConfig={"PageSize": 500})
        tables = list(pages.search("TableStatistics[]"))
        return Validation(
            tables=len(tables),
            not_validated=tuple(f"{t.get('SchemaName')}.{t.get('TableName')}" for t in tables
                                if t.get("ValidationState") != "Validated"),
            failed_records=sum(int(t.get("ValidationFailedRecords", 0)) for t in tables),
            pending_records=sum(int(t.get("ValidationPendingRecords", 0)) for t in tables),
            suspended_records=sum(int(t.get("ValidationSuspendedRecords", 0)) for t in tables))

    def start_reverse(self, cdc_start_time: datetime) -> str:
        """Replicate every write made on Aurora back to on-prem; returns what was done.

        A task that never ran starts with start-replication at the cutover's start time (the only start
        type AWS allows for a first run). A task that ran before resumes from its own last stop position
        (resume-processing), so no write Aurora took while it was down is skipped. A task already running
        or on its way there is left alone.
        """
        status = self.task(self.reverse_arn).status
        if status in STARTED:
            return f"already {status}"
        if status not in IDLE_TASK_STATES:
            raise TaskBusyError(f"reverse task is {status}; DMS cannot start it now")
        if status == "ready":
            self.client.start_replication_task(
                ReplicationTaskArn=self.reverse_arn, StartReplicationTaskType="start-replication",
                CdcStartTime=cdc_start_time)
            return "started from the cutover's start time"
        self.client.start_replication_task(
            ReplicationTaskArn=self.reverse_arn, StartReplicationTaskType="resume-processing")
        return f"resumed from its last stop position (was {status})"
