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
from cutover.gateways.retry import describe
from cutover.gateways.route53 import NOT_SEEN_INSYNC, Route53Gateway
from cutover.gateways.sns import SnsGateway
from cutover.gateways.ssm import ParameterGateway
from cutover.log import line
from cutover.models import (
    PRIMARY,
    Command,
    Label,
    Notify,
    Phase,
    RecordEvent,
    RestoreCluster,
    SetWeights,
    StartBackup,
    StartReverseTask,
    State,
    TaskEvent,
    Trigger,
    Weights,
    action_of,
    action_record,
    event_record,
    recorded_ids,
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
            parameters=ParameterGateway(clients["ssm"], state_name=s.state_parameter, event_name=s.event_parameter,
                                        key_id=s.checkpoint_key_arn),
            dms=DmsGateway(clients["dms"], forward_arn=s.forward_task_arn, reverse_arn=s.reverse_task_arn),
            cloudwatch=CloudWatchGateway(clients["cloudwatch"], instance_id=s.dms_instance_id,
                                         task_resource_id=s.forward_task_resource_id, cluster_id=s.cluster_id),
            rds=RdsGateway(clients["rds"], cluster_id=s.cluster_id, subnet_group=s.db_subnet_group,
                           security_group_id=s.db_security_group_id, parameter_group=s.cluster_parameter_group,
                           kms_key_arn=s.database_key_arn),
            sns=SnsGateway(clients["sns"], topic_arn=s.topic_arn),
            backup=BackupGateway(clients["backup"], vault_name=s.backup_vault_name, role_arn=s.backup_role_arn,
                                 cluster_arn=s.cluster_arn))


def utc_now() -> datetime:
    return datetime.now(UTC)



class Controller:
    """Reads, decides, then makes the decision durable before acting on it.

    A transition is written first with its actions pending (the intent), then performed, then written
    again without them (the confirmation). An invocation that dies in between leaves the intent, and the
    next invocation completes it (or, for a forward shift Route 53 did not take, abandons it). Secondary
    actions (backup job, event record, notices) that fail stay pending and are retried by later ticks; a
    decision that changes no state writes no checkpoint at all.
    """

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
        state = State.from_json(raw)
        observed = self.gw.route53.weights()
        reading = isinstance(trigger, Command) and (trigger.name == "status" or trigger.dry_run)
        problems: list[str] = []
        if state.pending and not reading:
            moved = state.weights_pending
            state, version, problems = self._complete(state, version, observed, now, fresh=False, written=state)
            observed = self.gw.route53.weights() if moved else observed
        recorded = recorded_ids(self.gw.parameters.read_events()) if isinstance(trigger, TaskEvent) else ()
        current = logic.reconcile(state, observed, self.settings, now)
        gates = None
        if logic.wants_gates(current, trigger, self.settings, now):
            shifting = current.phase is Phase.SHIFTING and not (isinstance(trigger, Command)
                                                                and trigger.name == "start-cutover")
            _, gates = self.observe(shifting)
        decision = logic.decide(state, trigger, self.settings, now=now, observed=observed, gates=gates,
                                recorded=recorded)
        actions = self._stamped(decision, now)
        result = {"ok": True, **(decision.result or {}), "phase": decision.state.phase.value,
                  "weights": asdict(decision.state.weights), "observed_weights": asdict(observed),
                  "checkpoint_version": version}
        if gates is not None:
            result["gates"] = [g._asdict() for g in gates]
        if isinstance(trigger, Command) and trigger.name == "status":
            return self._status(decision.state, result)
        if isinstance(trigger, Command) and trigger.dry_run:
            result.update(dry_run=True, would=[type(a).__name__ + json.dumps(a._asdict(), default=str)
                                               for a in actions], would_become=decision.state.to_json())
            return result
        transition = decision.state != state or any(type(a).__name__ in PRIMARY or isinstance(a, Label)
                                                    for a in actions)
        intent = replace(decision.state, pending=decision.state.pending + tuple(action_record(a) for a in actions))
        if transition:  # the intent is durable before anything is done about it
            version = self._write(intent, version)
        new_state, version, more = self._complete(intent, version, observed, now, fresh=True,
                                                  written=intent if transition else state)
        problems += more
        result.update(phase=new_state.phase.value, weights=asdict(new_state.weights), checkpoint_version=version)
        if new_state.pending:
            result["pending"] = [p["type"] for p in new_state.pending]
        if problems:  # secondary failures are retried and leave ok; a primary one is the operator's business
            result["problems"] = problems
            result["ok"] = not any(p.split(":", 1)[0] in PRIMARY for p in problems)
            if any(p.startswith("SetWeights:") for p in problems) and not new_state.weights_pending:
                result["outcome"] = "shift not confirmed; the records decide"
        line("decided", phase=new_state.phase.value, weights=asdict(new_state.weights),
             trigger=type(trigger).__name__, outcome=(decision.result or {}).get("outcome"), reason=new_state.reason,
             pending=[p["type"] for p in new_state.pending], problems=problems,
             level=logging.ERROR if problems else logging.INFO)
        return result

    def _stamped(self, decision, now: datetime) -> tuple:
        """The decision's actions, notices stamped with the state they announce, and its label last-but-notices."""
        s = decision.state
        stamp = f"\n\nphase={s.phase.value} weights={s.weights.onprem}/{s.weights.aurora} at={now.isoformat()}"
        primary = [a for a in decision.actions if type(a).__name__ in PRIMARY]
        rest = [Notify(a.subject, a.message + stamp) if isinstance(a, Notify) else a
                for a in decision.actions if type(a).__name__ not in PRIMARY]
        return (*primary, *([Label(decision.label)] if decision.label else []), *rest)

    def _write(self, state: State, version: int) -> int:
        return self.gw.parameters.write_detecting_conflict(state.to_json(), version)

    def _complete(self, state: State, version: int, observed: Weights, now: datetime, fresh: bool,
                  written: State) -> tuple[State, int, list[str]]:
        """Perform the pending actions of `state`, then write what came of them unless it equals `written`,
        the checkpoint stored at `version` (a decision that changed nothing and did it all writes nothing)."""
        actions = [action_of(p) for p in state.pending]
        # A label still without a version belongs to the checkpoint that holds it: the one just read or written.
        actions = [a._replace(version=version) if isinstance(a, Label) and a.version is None else a for a in actions]
        done, problems, remaining = state, [], []
        queue = list(actions)
        while queue:
            action = queue.pop(0)
            try:
                outcome = self._perform(action, done, observed, fresh)
            except Exception as error:  # every failure is kept and retried, or the shift abandoned; never lost
                problems.append(f"{type(action).__name__}: {describe(error)}")
                if isinstance(action, SetWeights) and done.phase is not Phase.ROLLING_BACK:
                    done, notices = logic.abandoned_shift(done, action, str(error), now)
                    queue = [a for a in queue if isinstance(a, RecordEvent)] + list(self._stamp_all(done, notices, now))
                    continue
                if type(action).__name__ in PRIMARY:
                    remaining += [action, *queue]
                    break
                remaining.append(action)
                continue
            if isinstance(outcome, str) and NOT_SEEN_INSYNC in outcome:
                problems.append(f"SetWeights (propagation): {outcome}")  # made; reported, not retried
            done = logic.completed(done, action, outcome)
        done = replace(done, pending=tuple(action_record(a) for a in remaining))
        if done != written:
            version = self._write(done, version)
        return done, version, problems

    @staticmethod
    def _stamp_all(state: State, notices: tuple, now: datetime) -> tuple:
        stamp = f"\n\nphase={state.phase.value} weights={state.weights.onprem}/{state.weights.aurora} at={now.isoformat()}"
        return tuple(Notify(n.subject, n.message + stamp) for n in notices)

    def _perform(self, action, state: State, observed: Weights, fresh: bool) -> object:
        s = self.settings
        if isinstance(action, SetWeights):
            if observed == action.weights and not fresh:
                return None  # Route 53 took it before the previous invocation ended
            if not fresh and state.phase is not Phase.ROLLING_BACK:
                raise RuntimeError("found unconfirmed after an interrupted invocation; gates are re-measured "
                                   "before any new shift")
            return self.gw.route53.set_weights(action.weights)
        if isinstance(action, StartReverseTask):
            return self.gw.dms.start_reverse(action.cdc_start_time)
        if isinstance(action, StartBackup):
            moment = state.pre_cutover_time or state.updated_at or self.clock()
            return self.gw.backup.start(f"{s.cluster_id}-{moment:%Y%m%d%H%M}")  # the token makes a retry a no-op
        if isinstance(action, RestoreCluster):
            return self.gw.rds.restore(action.cluster_id, action.to_time, [
                {"Key": "RestoredFrom", "Value": s.cluster_id},
                {"Key": "RestoredTo", "Value": action.to_time.isoformat()}])
        if isinstance(action, RecordEvent):
            ids = recorded_ids(self.gw.parameters.read_events())
            if action.event.event_id not in ids:
                self.gw.parameters.record_event(event_record((*ids, action.event.event_id), action.event))
            return None
        if isinstance(action, Notify):
            return self.gw.sns.notify(action.subject, action.message)
        if isinstance(action, Label):
            return self.gw.parameters.label(action.version, action.label)
        raise TypeError(f"unknown action {action!r}")

    def _status(self, state: State, result: dict) -> dict:
        result["state"] = json.loads(state.to_json())
        result["ready_to_start"] = all(g["ok"] for g in result.get("gates", [])) and not state.pending
        result["replication_backlog"] = self.gw.cloudwatch.backlog(self.clock())
        if state.restore:
            result["restore_status"] = self.gw.rds.cluster_status(state.restore["cluster_id"])
        return result
