"""Runs one decision: read the checkpoint and the records, measure if needed, decide, act, checkpoint."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from cutover import logic
from cutover.gates import Gate, Observations, evaluate
from cutover.gateways.backup import BackupGateway
from cutover.gateways.cloudwatch import CloudWatchGateway
from cutover.gateways.dms import DmsGateway
from cutover.gateways.rds import RdsGateway
from cutover.gateways.route53 import Route53Gateway
from cutover.gateways.sns import SnsGateway
from cutover.gateways.ssm import ParameterGateway
from cutover.log import line
from cutover.models import (
    Command,
    Notify,
    Phase,
    RecordEvent,
    RestoreCluster,
    SetWeights,
    StartBackup,
    StartReverseTask,
    State,
    Trigger,
)
from cutover.settings import Settings


class Gateways(NamedTuple):
    route53: Route53Gateway
    parameters: ParameterGateway
    dms: DmsGateway
    cloudwatch: CloudWatchGateway
    rds: RdsGateway
    sns: SnsGateway
    backup: BackupGateway

    @classmethod
    def from_clients(cls, settings: Settings, clients: dict[str, Any]) -> Gateways:
        s = settings
        return cls(
            route53=Route53Gateway(clients["route53"], zone_id=s.hosted_zone_id, record_name=s.record_name,
                                   onprem_id=s.onprem_set_id, aurora_id=s.aurora_set_id),
            parameters=ParameterGateway(clients["ssm"], state_name=s.state_parameter, event_name=s.event_parameter),
            dms=DmsGateway(clients["dms"], forward_arn=s.forward_task_arn, reverse_arn=s.reverse_task_arn),
            cloudwatch=CloudWatchGateway(clients["cloudwatch"], instance_id=s.dms_instance_id,
                                         task_resource_id=s.forward_task_resource_id),
            rds=RdsGateway(clients["rds"], cluster_id=s.cluster_id, subnet_group=s.db_subnet_group,
                           security_group_id=s.db_security_group_id, parameter_group=s.cluster_parameter_group,
                           kms_key_arn=s.database_key_arn),
            sns=SnsGateway(clients["sns"], topic_arn=s.topic_arn),
            backup=BackupGateway(clients["backup"], vault_name=s.backup_vault_name, role_arn=s.backup_role_arn,
                                 cluster_arn=s.cluster_arn))


def utc_now() -> datetime:
    return datetime.now(UTC)


class Controller:
    def __init__(self, settings: Settings, gateways: Gateways, clock=utc_now):
        self.settings, self.gw, self.clock = settings, gateways, clock

    def observe(self, shifting: bool) -> tuple[Observations, list[Gate]]:
        s = self.settings
        writer_ok, writer_detail = self.gw.rds.writer()
        observations = Observations(
            forward=self.gw.dms.task(s.forward_task_arn), reverse=self.gw.dms.task(s.reverse_task_arn),
            validation=self.gw.dms.validation(), latency=self.gw.cloudwatch.latency(s.healthy_minutes, self.clock()),
            writer_available=writer_ok, writer_detail=writer_detail)
        return observations, evaluate(observations, threshold=s.lag_threshold_seconds, minutes=s.healthy_minutes,
                                      shifting=shifting)

    def handle(self, trigger: Trigger) -> dict:
        now = self.clock()
        raw, version = self.gw.parameters.read()
        observed = self.gw.route53.weights()
        stored = State.from_json(raw)
        state = logic.reconcile(stored, observed, self.settings, now)
        observations, gates = None, None
        if logic.wants_gates(state, trigger, self.settings, now):
            shifting = state.phase is Phase.SHIFTING and not (isinstance(trigger, Command)
                                                              and trigger.name == "start-cutover")
            observations, gates = self.observe(shifting)
        decision = logic.decide(state, trigger, self.settings, now=now, observed=observed, gates=gates)
        result = {"ok": True, **(decision.result or {}), "phase": decision.state.phase.value,
                  "weights": asdict(decision.state.weights), "observed_weights": asdict(observed),
                  "checkpoint_version": version}
        if gates is not None:
            result["gates"] = [g._asdict() for g in gates]
        if isinstance(trigger, Command) and trigger.name == "status":
            return self._status(decision.state, result)
        if isinstance(trigger, Command) and trigger.dry_run:
            result.update(dry_run=True, would=[type(a).__name__ + json.dumps(a._asdict(), default=str)
                                               for a in decision.actions], would_become=decision.state.to_json())
            return result
        new_state, notices = self._act(state, decision, observations, version)
        if new_state != stored:
            version = self.gw.parameters.write_if_latest(new_state.to_json(), version)
            if decision.label:
                self.gw.parameters.label(version, decision.label)
            result["checkpoint_version"] = version
        line("decided", phase=new_state.phase.value, weights=asdict(new_state.weights),
             trigger=type(trigger).__name__, outcome=(decision.result or {}).get("outcome"), reason=new_state.reason)
        for notice in notices:
            try:
                self.gw.sns.notify(notice.subject, f"{notice.message}\n\nphase={new_state.phase.value} "
                                   f"weights={new_state.weights.onprem}/{new_state.weights.aurora}")
            except Exception as error:  # the transition stands; a lost notice must not undo or repeat it
                line("notification failed", phase=new_state.phase.value, weights=asdict(new_state.weights),
                     level=logging.ERROR, error=str(error))
                result["notification_failed"] = True
        result.update(phase=new_state.phase.value, weights=asdict(new_state.weights))
        return result

    def _act(self, before: State, decision, observations: Observations | None,
             version: int) -> tuple[State, list[Notify]]:
        state, notices = decision.state, []
        for action in decision.actions:
            if isinstance(action, SetWeights):
                try:
                    self.gw.route53.set_weights(action.weights)
                except Exception:
                    if decision.label == "rolled-back":  # remember the unfinished rollback; ticks retry it
                        pending = replace(before, phase=Phase.ROLLING_BACK, hold=None,
                                          reason="rollback requested; Route 53 change failed, retrying")
                        self.gw.parameters.write_if_latest(pending.to_json(), version)
                    raise
            elif isinstance(action, StartReverseTask):
                if observations is None or observations.reverse.status != "running":
                    self.gw.dms.start_reverse(action.cdc_start_time)
            elif isinstance(action, StartBackup):
                token = f"{self.settings.cluster_id}-{(state.pre_cutover_time or state.updated_at or self.clock()):%Y%m%d%H%M}"
                state = replace(state, backup_job=self.gw.backup.start(token))
            elif isinstance(action, RestoreCluster):
                status = self.gw.rds.restore(action.cluster_id, action.to_time, [
                    {"Key": "RestoredFrom", "Value": self.settings.cluster_id},
                    {"Key": "RestoredTo", "Value": action.to_time.isoformat()}])
                state = replace(state, restore={**(state.restore or {}), "status": status})
            elif isinstance(action, RecordEvent):
                e = action.event
                self.gw.parameters.record_event(json.dumps({"event_type": e.event_type, "task": e.task_arn,
                                                            "time": e.time.isoformat() if e.time else None,
                                                            "event_id": e.event_id, "message": e.message}))
            elif isinstance(action, Notify):
                notices.append(action)
        return state, notices

    def _status(self, state: State, result: dict) -> dict:
        result["state"] = json.loads(state.to_json())
        result["ready_to_start"] = all(g["ok"] for g in result.get("gates", []))
        if state.restore:
            result["restore_status"] = self.gw.rds.cluster_status(state.restore["cluster_id"])
        return result
