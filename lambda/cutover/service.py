"""Runs one decision: read the checkpoint and the records, measure if needed, decide, act, checkpoint."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, assert_never

from shared import sequences

from cutover import logic, models
from cutover.gates import (
    AssessmentCheck,
    DataChecks,
    Gate,
    Observations,
    TaskStatus,
    assessable_gate,
    evaluate,
    fence_gates,
    parity_gates,
)
from cutover.gateways.errors import describe
from cutover.gateways.lazy import gateway
from cutover.gateways.route53 import NOT_SEEN_INSYNC, Route53Gateway
from cutover.gateways.ssm import ParameterGateway
from cutover.log import line
from cutover.logic import Measure
from cutover.models import (
    Command,
    CommandName,
    Decision,
    Label,
    Notify,
    Phase,
    Records,
    SetWeights,
    State,
    SyncSequences,
    Trigger,
    action_of,
    action_record,
    event_record,
    recorded_ids,
)
from cutover.settings import Settings

if TYPE_CHECKING:
    from cutover.gateways.backup import BackupGateway
    from cutover.gateways.cloudwatch import CloudWatchGateway
    from cutover.gateways.data import DataApiGateway
    from cutover.gateways.dms import DmsGateway
    from cutover.gateways.fence import FenceGateway
    from cutover.gateways.rds import RdsGateway
    from cutover.gateways.sns import SnsGateway

CLIENTS = ("route53", "ssm", "dms", "cloudwatch", "rds", "rds-data", "sns", "backup", "lambda")
MARKER_POLL_SECONDS = 0.5
LIST_SEQUENCES = '{"command": "list", "what": "sequences"} (then "after": the last name of each page)'


class Problem(NamedTuple):
    """An action that failed (or a change made but not seen to propagate): kept, retried or reported."""

    action: str
    detail: str
    primary: bool

    def __str__(self) -> str:
        return f"{self.action}: {self.detail}"


class Gateways(NamedTuple):
    route53: Route53Gateway
    parameters: ParameterGateway
    dms: DmsGateway
    cloudwatch: CloudWatchGateway
    rds: RdsGateway
    data: DataApiGateway
    sns: SnsGateway
    backup: BackupGateway
    fence: FenceGateway

    @classmethod
    def from_clients(cls, settings: Settings, clients: dict[str, Any]) -> Gateways:
        s = settings
        return cls(
            route53=Route53Gateway(clients["route53"], zone_id=s.hosted_zone_id, record_name=s.record_name,
                                   reader_record_name=s.reader_record_name, onprem_id=s.onprem_set_id,
                                   aurora_id=s.aurora_set_id),
            parameters=ParameterGateway(clients["ssm"], state_name=s.state_parameter, event_name=s.event_parameter,
                                        key_id=s.checkpoint_key_arn),
            dms=gateway("dms", "DmsGateway", clients["dms"], forward_arn=s.forward_task_arn,
                        reverse_arn=s.reverse_task_arn),
            cloudwatch=gateway("cloudwatch", "CloudWatchGateway", clients["cloudwatch"],
                               instance_id=s.dms_instance_id, task_resource_id=s.forward_task_resource_id,
                               cluster_id=s.cluster_id),
            rds=gateway("rds", "RdsGateway", clients["rds"], cluster_id=s.cluster_id, subnet_group=s.db_subnet_group,
                        security_group_id=s.db_security_group_id, parameter_group=s.cluster_parameter_group,
                        kms_key_arn=s.database_key_arn),
            data=gateway("data", "DataApiGateway", clients["rds-data"], cluster_arn=s.cluster_arn,
                         secret_arn=s.data_api_secret_arn, database=s.database_name, schemas=s.migrated_schemas),
            sns=gateway("sns", "SnsGateway", clients["sns"], topic_arn=s.topic_arn),
            backup=gateway("backup", "BackupGateway", clients["backup"], vault_name=s.backup_vault_name,
                           role_arn=s.backup_role_arn, cluster_arn=s.cluster_arn),
            fence=gateway("fence", "FenceGateway", clients["lambda"], function_name=s.fence_function_name))


def metrics(state: State, now: datetime) -> dict:
    """The cutover as CloudWatch metrics, in CloudWatch's embedded metric format on the decision's own log line:
    no API call, nothing to import. Lambda's JSON log format puts these fields at the top of the record."""
    import os

    return {"_aws": {"Timestamp": int(now.timestamp() * 1000), "CloudWatchMetrics": [{
                "Namespace": models.METRICS_NAMESPACE, "Dimensions": [["Function"]],
                "Metrics": [{"Name": name, "Unit": unit} for name, unit in (
                    ("WriterAuroraPercent", "Percent"), ("ReadersAuroraPercent", "Percent"), ("Phase", "None"),
                    ("RollbackPending", "Count"))]}]},
            "Function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local"),
            "WriterAuroraPercent": state.writer.aurora, "ReadersAuroraPercent": state.readers.aurora,
            "Phase": models.PHASE_CODES[state.phase], "RollbackPending": int(state.phase is Phase.ROLLING_BACK)}


def _flip_measured(state: State, notice: Notify) -> str:
    """The write pause a fenced flip or rollback measured, on its own notice."""
    flip = state.flip or {}
    if notice.subject not in ("Cutover complete", "Rolled back to on-prem") or "write_pause_seconds" not in flip:
        return ""
    steps = ", ".join(f"{name} {seconds} s" for name, seconds in (flip.get("fence_steps_seconds") or {}).items()
                      if name != "warm")  # the warm read is before the close: not in the pause
    return (f"\nwrite pause: {flip['write_pause_seconds']} s from the fence ({flip.get('fenced_at')}) to the Route 53 "
            f"change; in the fence function: {steps or 'not measured'}; catch-up {flip.get('caught_up_seconds')} s; "
            f"application sessions ended: {flip.get('sessions_ended')}")


def utc_now() -> datetime:
    return datetime.now(UTC)


def weights_of(records: Records) -> dict:
    return {"writer": asdict(records.writer), "readers": asdict(records.readers)}


class Controller:
    """Reads, decides, then makes the decision durable before acting on it.

    A transition is written first with its actions pending (the intent), then performed, then written
    again without them (the confirmation). An invocation that dies in between leaves the intent, and the
    next invocation completes it (or, for a forward shift that did not complete, abandons it). Secondary
    actions (backup job, event record, notices) that fail stay pending and are retried by later ticks; a
    decision that changes no state writes no checkpoint at all.
    """

    def __init__(self, settings: Settings, gateways: Gateways, clock=utc_now, sleep=time.sleep,
                 monotonic=time.monotonic):
        self.settings, self.gw, self.clock = settings, gateways, clock
        self.sleep, self.monotonic = sleep, monotonic  # the catch-up's wait and the write pause's stopwatch
        # Within one invocation: each side's values after its sync, and a closed side's final sequence positions;
        # the catch-up inside the pause compares the two. A later invocation never trusts them (not fresh: undone).
        self._synced: dict[str, dict] = {}
        self._positions: dict[str, dict | None] = {}
        self._may_install = False  # whether this invocation may install the fence's setup (never in a read)

    def data_checks(self, state: State, flip: bool) -> DataChecks:
        since = state.pre_cutover_time or datetime(1970, 1, 1, tzinfo=UTC)
        try:
            gates = self.gw.data.data_gates(since)
            plan = self.gw.data.sequences(self.settings.sequence_gap, apply=False) if flip else None
            scans = self.gw.data.sequence_scans()
            value, status = self.gw.rds.logical_replication()
        except Exception as error:  # an unanswered check is a failing gate, never a pass
            return DataChecks(0, (), False, 0, since.isoformat(), "unknown", "unknown", available=False,
                              detail=describe(error))
        return DataChecks(gates.tables, gates.without_key, gates.loopback_schema, gates.apply_exceptions,
                          since.isoformat(), value, status,
                          tuple(f"{name}: {why}" for name, why in plan.refusals) if plan else (),
                          without_key_count=gates.without_key_count, sequence_refused=plan.refused if plan else 0,
                          scans=scans)

    def assessment(self) -> AssessmentCheck:
        try:
            return self.gw.dms.assessment()
        except Exception as error:  # an unanswered check is a failing gate, never a pass
            return AssessmentCheck("", "unknown", available=False, detail=describe(error))

    def observe(self, state: State, shifting: bool, flip: bool) -> tuple[Observations, list[Gate]]:
        s = self.settings
        writer_ok, writer_detail = self.gw.rds.writer()
        observations = Observations(
            forward=self.gw.dms.task(s.forward_task_arn), reverse=self.gw.dms.task(s.reverse_task_arn),
            validation=self.gw.dms.validation(), latency=self.gw.cloudwatch.latency(s.healthy_minutes, self.clock()),
            writer_available=writer_ok, writer_detail=writer_detail, data=self.data_checks(state, flip),
            # Before a cutover starts: DMS assesses only a task that is not replicating, so the run that
            # counts is the last one before the full load.
            assessment=None if shifting or flip else self.assessment())
        if s.fenced and (flip or not shifting):
            observations = observations._replace(fence=self.fence_checks(), parity=self.parity())
        flip_threshold = s.flip_max_lag_seconds if flip else None
        return observations, evaluate(observations, threshold=s.lag_threshold_seconds, minutes=s.healthy_minutes,
                                      shifting=shifting, flip_threshold=flip_threshold)

    def parity(self) -> dict | str:
        """Schema and access of both sides compared (after fence_checks: it reads the fence's record), or why not."""
        try:
            return self.gw.fence.parity()
        except Exception as error:  # an unanswered check is a failing gate, never a pass
            return describe(error)

    def fence_checks(self) -> tuple[dict, ...]:
        """Each side's dry run. A side without this version's setup gets it first, in its own call, when this
        invocation may change things (a tick or a changing command); a read (status, a dry run) only reports it."""
        checks = []
        for side in models.SIDES:
            check = self.gw.fence.check(side, self.settings.long_transaction_seconds)
            if check.get("installed") is False and self._may_install:
                installed = self.gw.fence.install(side)
                logging.getLogger("cutover").info("fence setup installed", extra={"side": side, **installed})
                check = self.gw.fence.check(side, self.settings.long_transaction_seconds)
            checks.append(check)
        return tuple(checks)

    def handle(self, trigger: Trigger) -> dict:
        """Fixed stages, none of which decides: load, measure, decide, then render a read or act and commit."""
        now = self.clock()
        # Nothing measured in an earlier invocation of a warm function carries over into this one.
        self._synced, self._positions = {}, {}
        reading = isinstance(trigger, Command) and (trigger.name in (CommandName.STATUS, CommandName.LIST)
                                                    or trigger.dry_run)
        self._may_install = not reading
        state, version, observed, problems = self._load(trigger, now, complete=not reading)
        current = logic.reconcile(state, observed, self.settings, now)
        starting = isinstance(trigger, Command) and trigger.name == CommandName.START_CUTOVER
        fences, fence_gates_now = self._measure_fences(current, trigger)
        measured = current if fences is None else replace(current, fenced=fences)
        gates, reverse = self._measure(logic.wants(measured, trigger, self.settings, now), current, starting)
        if fence_gates_now and reading:  # shown by status; a changing command re-establishes the fences itself
            gates = [*(gates or []), *fence_gates_now]
        recorded = recorded_ids(self.gw.parameters.read_events()) if isinstance(trigger, models.TaskEvent) else ()
        decision = logic.decide(state, trigger, self.settings, now=now, observed=observed, gates=gates,
                                recorded=recorded, reverse=reverse, fences=fences)
        actions = self._stamped(decision, now)
        result = {"ok": True, **(decision.result or {}), "phase": decision.state.phase.value,
                  "weights": weights_of(decision.state.records), "observed_weights": weights_of(observed),
                  "checkpoint_version": version}
        if gates is not None:
            result["gates"] = [g._asdict() for g in gates]
        if isinstance(trigger, Command) and trigger.name == CommandName.STATUS:
            return self._status(decision.state, result, reverse)
        if isinstance(trigger, Command) and trigger.name == CommandName.LIST:
            return self._list(trigger, result)
        if isinstance(trigger, Command) and trigger.dry_run:
            return self._dry_run(decision, actions, result)
        new_state, version, more = self._commit(state, decision, actions, version, observed, now)
        return self._rendered(trigger, decision, new_state, version, result, [*problems, *more])

    def _measure_fences(self, state: State, trigger: Trigger) -> tuple[tuple[str, ...] | None, list[Gate]]:
        """Ticks and commands measure both sides' fences (a fence lifted by hand is seen within a minute, and no
        command decides on a fence that is no longer there); the measured sides replace the remembered ones.
        Not measured while the checkpoint has work pending, or while an operator's override (or a held repair)
        leaves the fences alone."""
        wanted = isinstance(trigger, models.Tick) or (
            isinstance(trigger, Command) and trigger.name != CommandName.LIST)
        expected = logic.expected_fences(state)
        if not (self.settings.fenced and wanted and expected is not None and not state.pending):
            return None, []
        try:
            measured = {side: self.gw.fence.measure(side) for side in models.SIDES}
        except Exception as error:  # unmeasured: the remembered fences stand, and status says why
            return None, [Gate("fences measured", False, f"unanswered: {describe(error)}")]
        fenced = tuple(side for side in models.SIDES if measured[side]["fenced"])
        gates = []
        for side in models.SIDES:
            m = measured[side]
            must = side in expected
            detail = (f"fenced={m['fenced']} closed={m['closed']} read_only={m['read_only']} sessions={m['sessions']}"
                      + (f" can_connect={m['can_connect']}" if m["can_connect"] and must else "")
                      + (f" writable={m['writable_sample']}" if m["writable_sample"] and must else ""))
            gates.append(Gate(f"{side} {'fenced' if must else 'open'} as the writer name requires (measured)",
                              m["fenced"] == must or (not must and state.fence_override is not None), detail))
        return (None if state.fence_override else fenced), gates

    def _load(self, trigger: Trigger, now: datetime, complete: bool) -> tuple[State, int, Records, list[Problem]]:
        """The checkpoint and the records; an earlier invocation's unconfirmed work is completed first (a read
        completes nothing)."""
        raw, version = self.gw.parameters.read()
        state = State.from_json(raw)
        observed = self.gw.route53.weights()
        problems: list[Problem] = []
        if state.pending and complete:
            moved = state.weights_pending
            state, version, problems = self._complete(state, version, observed, now, fresh=False, written=state)
            observed = self.gw.route53.weights() if moved else observed
        return state, version, observed, problems

    def _measure(self, measure: Measure, state: State, starting: bool) -> tuple[list[Gate] | None, TaskStatus | None]:
        match measure:
            case Measure.NOTHING:
                return None, None
            case Measure.FULL | Measure.FLIP:
                shifting = state.phase in logic.CANARY_PHASES and not starting
                observations, gates = self.observe(state, shifting, flip=measure is Measure.FLIP)
                return gates, observations.reverse
            case Measure.REVERSE:
                return None, self.gw.dms.task(self.settings.reverse_task_arn)
            case Measure.FENCED_ROLLBACK:
                gates = [*fence_gates(self.fence_checks(), closing="aurora"), *parity_gates(self.parity())]
                return gates, self.gw.dms.task(self.settings.reverse_task_arn)
            case Measure.ASSESS:
                return [assessable_gate(self.gw.dms.task(self.settings.forward_task_arn))], None
            case unhandled:
                assert_never(unhandled)

    def _dry_run(self, decision: Decision, actions: tuple, result: dict) -> dict:
        result.update(dry_run=True, would=[type(a).__name__ + json.dumps(
                          {k: v for k, v in action_record(a).items() if k != "type"}, default=str) for a in actions],
                      would_become=decision.state.to_json())
        if any(isinstance(a, SyncSequences) for a in actions):
            from shared import sql

            result["statements"] = [sql.SEQUENCES.strip()]
            result["sequences"] = {**self.gw.data.sequences(self.settings.sequence_gap, apply=False).summary(),
                                   "every_sequence": LIST_SEQUENCES}
        return result

    def _commit(self, state: State, decision: Decision, actions: tuple, version: int, observed: Records,
                now: datetime) -> tuple[State, int, list[Problem]]:
        """The intent is durable before anything is done about it; then the actions, then their outcome."""
        transition = decision.state != state or any(a.primary or isinstance(a, Label) for a in actions)
        intent = replace(decision.state, pending=decision.state.pending + tuple(action_record(a) for a in actions))
        if transition:
            version = self._write(intent, version)
        return self._complete(intent, version, observed, now, fresh=True, written=intent if transition else state)

    def _rendered(self, trigger: Trigger, decision: Decision, new_state: State, version: int, result: dict,
                  problems: list[Problem]) -> dict:
        result.update(phase=new_state.phase.value, weights=weights_of(new_state.records), checkpoint_version=version)
        if new_state.pending:
            result["pending"] = [p["type"] for p in new_state.pending]
        if problems:  # secondary failures are retried and leave ok; a primary one is the operator's business
            result["problems"] = [str(p) for p in problems]
            result["ok"] = not any(p.primary for p in problems)
            if any(p.action in (SetWeights.__name__, SyncSequences.__name__) and p.primary for p in problems) \
                    and not new_state.weights_pending:
                result["outcome"] = "shift not completed; the records decide"
        line("decided", phase=new_state.phase.value, weights=weights_of(new_state.records),
             trigger=type(trigger).__name__, outcome=(decision.result or {}).get("outcome"), reason=new_state.reason,
             operator=new_state.operator, pending=[p["type"] for p in new_state.pending],
             problems=[str(p) for p in problems], gates=result.get("gates"),
             level=logging.ERROR if problems else logging.INFO, **metrics(new_state, self.clock()))
        return result

    def _stamped(self, decision, now: datetime) -> tuple:
        """The decision's actions: primary ones first, then its label, then the rest, notices stamped."""
        primary = [a for a in decision.actions if a.primary]
        rest = [a for a in decision.actions if not a.primary]
        return (*primary, *([Label(decision.label)] if decision.label else []),
                *logic.stamped(decision.state, tuple(rest), now))

    def _write(self, state: State, version: int) -> int:
        return self.gw.parameters.write_detecting_conflict(state.to_json(), version)

    def _complete(self, state: State, version: int, observed: Records, now: datetime, fresh: bool,
                  written: State) -> tuple[State, int, list[Problem]]:
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
            except Exception as error:  # every failure is kept and retried, or undone, or held: never lost
                problems.append(Problem(type(action).__name__, describe(error), action.primary))
                recovery = logic.recover(done, action, tuple(queue), describe(error), self.settings, now, observed,
                                         fresh=fresh)
                done, queue = recovery.state, list(recovery.queue)
                remaining += recovery.kept
                if recovery.stop:
                    break
                continue
            if isinstance(outcome, str) and NOT_SEEN_INSYNC in outcome:
                problems.append(Problem("SetWeights (propagation)", outcome, primary=False))  # made; not retried
            done = logic.completed(done, action, outcome, now=self.clock())
        done = replace(done, pending=tuple(action_record(a) for a in remaining))
        if done != written:
            version = self._write(done, version)
        return done, version, problems

    def _perform(self, action, state: State, observed: Records, fresh: bool) -> object:
        s = self.settings
        if isinstance(action, SetWeights):
            if observed == action.records and not fresh:
                return None  # Route 53 took it before the previous invocation ended
            if not fresh and state.phase is not Phase.ROLLING_BACK:
                raise RuntimeError("found unconfirmed after an interrupted invocation; gates are re-measured "
                                   "before any new shift")
            return self.gw.route53.set_weights(action.records)
        if isinstance(action, SyncSequences):
            if not fresh:
                raise RuntimeError("sequence sync found unconfirmed after an interrupted invocation; the flip is "
                                   "decided again with fresh gates")
            plan = self.gw.data.sequences(action.gap, apply=True)
            self._synced["aurora"] = plan.values or {}
            return plan
        if isinstance(action, models.CatchUpSequences):
            other = "onprem" if action.side == "aurora" else "aurora"
            positions, synced = self._positions.get(other), self._synced.get(action.side)
            if not fresh or positions is None or synced is None:
                raise RuntimeError(f"sequence catch-up on {action.side} without this invocation's sync and {other}'s "
                                   "close; undone")
            query = self.gw.data.query if action.side == "aurora" else self.gw.fence.runner("onprem")
            return sequences.catch_up(query, positions, synced, action.gap)
        if isinstance(action, models.FenceWrites):
            if action.token and not fresh:
                raise RuntimeError("fence found unconfirmed after an interrupted invocation; undone, then decided "
                                   "again")
            started = self.clock()
            outcome = self.gw.fence.fence(action.side, action.token, action.end_sessions, action.close)
            self._positions[action.side] = outcome.pop("positions", None)  # for the catch-up; never checkpointed
            # Writes stop when the close begins: the call's first step (a read that warms the session) is before it.
            started += timedelta(seconds=float((outcome.get("steps_seconds") or {}).get("warm", 0)))
            return {**outcome, "fence_started_at": started.isoformat()} if action.token else outcome
        if isinstance(action, models.LiftFence):
            return self.gw.fence.unfence(action.side, action.layer)
        if isinstance(action, models.SettleFence):
            return self.gw.fence.settle(action.side)
        if isinstance(action, models.InstallFence):
            return self.gw.fence.install(action.side)
        if isinstance(action, models.AwaitMarker):
            if not fresh:
                raise RuntimeError("catch-up found unconfirmed after an interrupted invocation; undone")
            return self._await_marker(action)
        if isinstance(action, models.SyncOnpremSequences):
            if not fresh:
                raise RuntimeError("on-prem sequence sync found unconfirmed after an interrupted invocation; undone")
            # Past every id Aurora has issued too: after a forced rollback its rows may never reach on-prem. Driven
            # from here, one fence call per statement, so no call nears the fence function's limit.
            plan = sequences.sync(self.gw.fence.runner("onprem"), ",".join(self.settings.migrated_schemas), action.gap,
                                  apply=True, floors=self.gw.data.positions())
            self._synced["onprem"] = plan.values or {}
            return {"side": "onprem", "set": plan.moved, **plan.summary()}
        if isinstance(action, models.AdviseOnpremSequences):
            plan = self.gw.data.sequences(action.gap, apply=False)  # what Aurora's ids need, for the record
            self.gw.sns.notify("On-prem sequences to set before on-prem takes inserts",
                               "Aurora issued ids on-prem has not. Once the reverse task has caught up, run this one "
                               "statement on on-prem (psql, as a role that may setval) before its applications "
                               f"insert; it sets every sequence past its columns, never backwards, or none:\n\n"
                               f"{self.onprem_statement(action.gap)}\n\nAurora's plan: "
                               f"{json.dumps(plan.summary())}")
            return plan
        if isinstance(action, models.StartAssessment):
            return self.gw.dms.start_assessment(
                name=action.name, bucket=s.assessment_bucket, folder=s.assessment_folder, role_arn=s.assessment_role_arn,
                key_arn=s.assessment_key_arn, exclude=s.assessment_exclusions)
        if isinstance(action, models.StartReverseTask):
            return self.gw.dms.start_reverse(action.cdc_start_time)
        if isinstance(action, models.StartBackup):
            moment = state.pre_cutover_time or state.updated_at or self.clock()
            return self.gw.backup.start(f"{s.cluster_id}-{moment:%Y%m%d%H%M}")  # the token makes a retry a no-op
        if isinstance(action, models.RestoreCluster):
            return self.gw.rds.restore(action.cluster_id, action.to_time, [
                {"Key": "RestoredFrom", "Value": s.cluster_id},
                {"Key": "RestoredTo", "Value": action.to_time.isoformat()}])
        if isinstance(action, models.RecordEvent):
            ids = recorded_ids(self.gw.parameters.read_events())
            if action.event.event_id not in ids:
                self.gw.parameters.record_event(event_record((*ids, action.event.event_id), action.event))
            return None
        if isinstance(action, Notify):
            return self.gw.sns.notify(action.subject, action.message + _flip_measured(state, action))
        if isinstance(action, Label):
            return self.gw.parameters.label(action.version, action.label)
        raise TypeError(f"unknown action {action!r}")

    def _list(self, command: Command, result: dict) -> dict:
        """One page (sql.PAGE_ROWS) of a list status only counts; `next` continues it, null at the end."""
        from shared import sql

        if command.what == "sequences":
            rows, following = self.gw.data.sequence_page(self.settings.sequence_gap, command.after)
            items: list = [r._asdict() for r in rows]
        else:
            items = self.gw.data.without_key_page(command.after)
            following = items[-1] if len(items) == sql.PAGE_ROWS else None
        result.update(items=items, after=command.after, next=following)
        return result

    def onprem_statement(self, gap: int) -> str:
        """The sync statement, for on-prem's psql: one statement however many sequences there are."""
        from shared import sql

        return sql.inline(sql.SEQUENCES, schemas=",".join(self.settings.migrated_schemas), gap=gap, apply=True)

    def _await_marker(self, action: models.AwaitMarker) -> float:
        """Seconds until the marker was seen on `action.side`; past flip_catchup_seconds, a failed step."""
        started, limit = self.monotonic(), self.settings.flip_catchup_seconds
        while True:
            if action.side == "aurora":
                seen = self.gw.data.marker(self.settings.control_table, action.token)
            else:
                seen = self.gw.fence.marker(action.side, action.token) is not None
            waited = self.monotonic() - started
            if seen:
                return round(waited, 3)
            if waited >= limit:
                raise TimeoutError(f"marker {action.token} not on {action.side} after {limit} s: replication has "
                                   "not caught up with the fence")
            self.sleep(MARKER_POLL_SECONDS)

    def _status(self, state: State, result: dict, reverse: TaskStatus | None) -> dict:
        now = self.clock()
        result["state"] = json.loads(state.to_json())
        result["at"] = now.isoformat()  # the controller's clock: the console's time window ends here
        result["ready_to_start"] = all(g["ok"] for g in result.get("gates", [])) and not state.pending
        gates = [Gate(**g) for g in result.get("gates", [])] if "gates" in result else None
        result["next"] = logic.next_steps(state, self.settings, now, gates)
        result["replication_backlog"] = self.gw.cloudwatch.backlog(now)
        # Weights steer new DNS lookups; connections show where the pools really are.
        result["aurora_connections"] = self.gw.cloudwatch.connections(now)
        result["rollback"] = logic.rollback_refusal(state, reverse, now) or "lossless: nothing blocks it"
        result["flip_mode"] = self.settings.flip_mode if self.settings.fenced or not self.settings.write_canary \
            else "write-canary"
        expected = logic.expected_fences(state)
        result["fences"] = {"fenced": list(state.fenced), "expected": None if expected is None else list(expected),
                            "override": state.fence_override, "last_flip": state.flip}
        if not self.settings.fenced:
            result["fences"]["risk"] = ("drain mode: until every pool has reconnected after the flip, sessions write "
                                        "on both databases and DMS detects no conflicts; drain the pools")
        fenced_rollback = (state.flip or {}).get("direction") == "to-onprem"
        if state.phase in (Phase.ROLLED_BACK, Phase.ROLLING_BACK) and state.writes_since and not fenced_rollback:
            result["onprem_sequence_statements"] = [self.onprem_statement(self.settings.sequence_gap)]
        if state.restore:
            result["restore_status"] = self.gw.rds.cluster_status(state.restore["cluster_id"])
        return result
