"""Pure decision logic: (state, trigger, what was measured, now) -> new state and the actions to take.

Invariants the tests hold this to: weights always sum to 100 and are never both 0; no shift while
any gate fails; steps are never skipped; an event delivered twice changes state once; the record
weights are the truth and the checkpoint follows them; rollback is possible from every phase.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from cutover.gates import Gate, all_pass
from cutover.models import (
    ALL_ON_PREM,
    AlarmEvent,
    Command,
    Decision,
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
    Tick,
    Trigger,
    Weights,
)
from cutover.settings import Settings

STOPPING_EVENTS = {"REPLICATION_TASK_FAILED", "REPLICATION_TASK_STOPPED", "REPLICATION_TASK_DELETED"}
IDLE_PHASES = {Phase.REPLICATING, Phase.READY, Phase.ROLLED_BACK}


class CommandRefusedError(ValueError):
    """A well-formed command that the current phase does not allow."""


def next_step(settings: Settings, aurora: int) -> int | None:
    """The next canary percentage above where the records stand (steps are stored as percentages)."""
    return next((p for p in settings.canary_steps if p > aurora), None)


def reconcile(state: State, observed: Weights, settings: Settings, now: datetime) -> State:
    """The records are the truth once no weight change is pending: a change made outside the controller, or
    lost between Route 53 and the checkpoint, is adopted here."""
    if observed == state.weights or state.weights_pending:
        return state
    reason = f"reconciled: records show {observed.onprem}/{observed.aurora}, checkpoint had " \
             f"{state.weights.onprem}/{state.weights.aurora}"
    if observed.aurora == 0:
        phase = Phase.ROLLED_BACK if state.phase not in IDLE_PHASES else state.phase
        return replace(state, phase=phase, weights=observed, hold=None, reason=reason, updated_at=now)
    phase = Phase.CUT_OVER if observed.aurora == 100 else (
        state.phase if state.phase in (Phase.SHIFTING, Phase.HELD) else Phase.HELD)
    hold = state.hold if phase is Phase.HELD else None
    if phase is Phase.HELD and hold is None:
        hold = "operator"
        reason += "; held until an operator resumes or rolls back"
    return replace(state, phase=phase, weights=observed, hold=hold, reason=reason, updated_at=now,
                   step_started_at=now)


def wants_gates(state: State, trigger: Trigger, settings: Settings, now: datetime) -> bool:
    """Whether deciding needs fresh measurements (kept cheap: most ticks need none)."""
    if isinstance(trigger, Command):
        return trigger.name in ("status", "start-cutover")
    if isinstance(trigger, Tick):
        return state.phase is Phase.SHIFTING and state.hold is None and bake_done(state, settings, now)
    return False


def bake_done(state: State, settings: Settings, now: datetime) -> bool:
    if state.weights.aurora == 0 or state.step_started_at is None:
        return True  # from 0% the first step waits only for its gates (the reverse task running)
    return now - state.step_started_at >= timedelta(minutes=settings.bake_minutes)


def decide(state: State, trigger: Trigger, settings: Settings, *, now: datetime, observed: Weights,
           gates: list[Gate] | None = None, recorded: tuple[str, ...] = ()) -> Decision:
    """`recorded`: ids of DMS events already in the event record (redeliveries are ignored)."""
    state = reconcile(state, observed, settings, now)
    # An event that caused a transition is remembered with it, and a recorded DMS event in the event
    # record, so a redelivery changes nothing. Neither costs a checkpoint version of its own: an event
    # that changes nothing writes nothing (delivered again, it is judged again on the state of the moment).
    event_id = trigger.event_id if isinstance(trigger, TaskEvent | AlarmEvent) else None
    if event_id and (event_id in state.processed or event_id in recorded):
        return Decision(state, result={"outcome": "duplicate event ignored", "event_id": event_id})
    if isinstance(trigger, Command):
        decision = _command(state, trigger, settings, now, gates)
    elif isinstance(trigger, TaskEvent):
        decision = _task_event(state, trigger, settings, now)
    elif isinstance(trigger, AlarmEvent):
        decision = _alarm(state, trigger, settings, now)
    else:
        decision = _tick(state, settings, now, gates)
    if decision.state == state:
        return decision
    return decision._replace(state=decision.state.remember(event_id))


# Ticks -----------------------------------------------------------------------------------------------


def _tick(state: State, settings: Settings, now: datetime, gates: list[Gate] | None) -> Decision:
    if state.phase is Phase.ROLLING_BACK and not state.weights_pending:
        return _rollback(state, "retrying the rollback", now)
    if state.phase is Phase.CUT_OVER and state.backup_job is None:
        return Decision(state, (StartBackup(),), result={"outcome": "starting the post-cutover backup"})
    if state.phase is not Phase.SHIFTING or state.hold is not None:
        return Decision(state, result={"outcome": "idle", "phase": state.phase.value})
    if not bake_done(state, settings, now):
        left = settings.bake_minutes * 60 - (now - state.step_started_at).total_seconds()
        return Decision(state, result={"outcome": "baking", "seconds_left": round(left)})
    if gates is None or not all_pass(gates):
        failing = [g.name for g in gates or [] if not g.ok]
        return Decision(state, result={"outcome": "waiting for gates", "failing": failing})
    return _advance(state, settings, now)


def _advance(state: State, settings: Settings, now: datetime) -> Decision:
    percent = next_step(settings, state.weights.aurora)  # never more than one step per decision
    if percent is None:
        return Decision(state, result={"outcome": "idle", "phase": state.phase.value})
    weights = Weights.on_aurora(percent)
    shift = SetWeights(weights, state.weights)
    if percent == 100:
        new = replace(state, phase=Phase.CUT_OVER, weights=weights, updated_at=now, step_started_at=now,
                      reason=f"cutover complete: {weights.onprem}/{weights.aurora}")
        return Decision(new, (shift, StartBackup(),
                              Notify("Cutover complete", "All traffic is on Aurora; the reverse task keeps on-prem "
                                     "current for rollback; post-cutover backup started.")),
                        label="cutover-complete", result={"outcome": "advanced", "aurora": percent})
    number = settings.canary_steps.index(percent) + 1
    new = replace(state, weights=weights, updated_at=now, step_started_at=now,
                  reason=f"canary step {number}/{len(settings.canary_steps)}: {percent}% on Aurora")
    return Decision(new, (shift, Notify("Cutover step", new.reason)),
                    result={"outcome": "advanced", "aurora": percent})


# Events ----------------------------------------------------------------------------------------------


def _task_event(state: State, event: TaskEvent, settings: Settings, now: datetime) -> Decision:
    which = {settings.forward_task_arn: "forward", settings.reverse_task_arn: "reverse"}.get(event.task_arn)
    record = (RecordEvent(event), Notify(f"DMS {which or 'unknown'} task: {event.event_type}", event.message))
    if which is None:
        return Decision(state, record, result={"outcome": "event of an unknown task recorded"})
    stopping = event.event_type in STOPPING_EVENTS
    if not stopping or state.phase not in (Phase.SHIFTING, Phase.HELD, Phase.CUT_OVER):
        return Decision(state, record, result={"outcome": "recorded"})
    if which == "reverse":
        # Without the reverse task a rollback would lose Aurora's writes: hold, never roll back on it.
        if state.phase is Phase.SHIFTING:
            held = replace(state, phase=Phase.HELD, hold="task", updated_at=now,
                           reason=f"reverse task {event.event_type}: cutover held; fix and resume")
            return Decision(held, (*record, Notify("Cutover held", held.reason)), result={"outcome": "held"})
        return Decision(state, (*record, Notify("Reverse replication stopped", "On-prem no longer receives "
                                                "Aurora's writes; restart the reverse task before any rollback.")),
                        result={"outcome": "recorded; reverse replication down"})
    if state.phase is Phase.SHIFTING:
        return _hold_or_rollback(state, f"forward task {event.event_type}", settings, now, "task", record)
    return Decision(state, record, result={"outcome": "recorded"})


def _alarm(state: State, alarm: AlarmEvent, settings: Settings, now: datetime) -> Decision:
    if alarm.alarm_name not in settings.lag_alarm_names:
        return Decision(state, result={"outcome": "not a lag alarm; ignored"})
    if alarm.state == "ALARM" and state.phase is Phase.SHIFTING:
        return _hold_or_rollback(state, f"lag alarm {alarm.alarm_name}", settings, now, "alarm",
                                 (Notify(f"Lag alarm {alarm.alarm_name}", alarm.reason),))
    if alarm.state == "OK" and state.phase is Phase.HELD and state.hold == "alarm":
        resumed = replace(state, phase=Phase.SHIFTING, hold=None, step_started_at=now, updated_at=now,
                          reason=f"lag alarm {alarm.alarm_name} OK: cutover resumes after a full bake")
        return Decision(resumed, (Notify("Cutover resumes", resumed.reason),), result={"outcome": "resumed"})
    return Decision(state, result={"outcome": "no change", "alarm": alarm.state})


def _hold_or_rollback(state: State, cause: str, settings: Settings, now: datetime, kind: str,
                      actions: tuple) -> Decision:
    if settings.rollback_on_alarm:
        decision = _rollback(state, f"{cause}: automatic rollback", now)
        return decision._replace(actions=actions + decision.actions)
    held = replace(state, phase=Phase.HELD, hold=kind, updated_at=now, reason=f"{cause}: cutover held")
    return Decision(held, (*actions, Notify("Cutover held", held.reason)), result={"outcome": "held"})


def _rollback(state: State, why: str, now: datetime) -> Decision:
    """Rolling back until Route 53 confirms the change (see `completed`), then rolled back."""
    new = replace(state, phase=Phase.ROLLING_BACK, weights=ALL_ON_PREM, hold=None, updated_at=now,
                  step_started_at=None, reason=f"rolled back: {why}")
    return Decision(new, (SetWeights(ALL_ON_PREM, state.weights), Notify("Rolled back to on-prem", new.reason)),
                    label="rolled-back", result={"outcome": "rolled back"})


# Commands --------------------------------------------------------------------------------------------


def _command(state: State, command: Command, settings: Settings, now: datetime,
             gates: list[Gate] | None) -> Decision:
    name = command.name
    why = f" ({command.reason})" if command.reason else ""
    if name == "status":
        return Decision(state, result={"outcome": "status"})
    if name == "start-cutover":
        if state.phase not in IDLE_PHASES:
            raise CommandRefusedError(f"start-cutover: the migration is {state.phase.value}; only possible when "
                                 f"replicating, ready or rolled back")
        if gates is None or not all_pass(gates):
            failing = ", ".join(g.name for g in gates or [] if not g.ok) or "gates not measured"
            raise CommandRefusedError(f"start-cutover: gates failing: {failing}")
        new = replace(state, phase=Phase.SHIFTING, hold=None, pre_cutover_time=now, step_started_at=now,
                      updated_at=now, backup_job=None, reason=f"cutover started{why}")
        return Decision(new, (StartReverseTask(now), Notify("Cutover started", new.reason)),
                        label="cutover-started", result={"outcome": "cutover started"})
    if name == "pause":
        if state.phase is not Phase.SHIFTING:
            raise CommandRefusedError(f"pause: nothing is shifting (the migration is {state.phase.value})")
        held = replace(state, phase=Phase.HELD, hold="operator", updated_at=now, reason=f"paused by operator{why}")
        return Decision(held, (Notify("Cutover paused", held.reason),), result={"outcome": "paused"})
    if name == "resume":
        if state.phase is not Phase.HELD:
            raise CommandRefusedError(f"resume: nothing is held (the migration is {state.phase.value})")
        resumed = replace(state, phase=Phase.SHIFTING, hold=None, step_started_at=now, updated_at=now,
                          reason=f"resumed by operator{why}")
        return Decision(resumed, (Notify("Cutover resumed", resumed.reason),), result={"outcome": "resumed"})
    if name == "rollback":
        if state.phase is Phase.ROLLING_BACK and state.weights_pending:
            return Decision(state, result={"outcome": "rollback in progress: the Route 53 change is being retried"})
        if state.weights == ALL_ON_PREM and state.phase in IDLE_PHASES:
            return Decision(state, result={"outcome": "nothing to roll back: all traffic is on-prem"})
        return _rollback(state, f"operator{why}", now)
    return _restore(state, command, settings, now)


def _restore(state: State, command: Command, settings: Settings, now: datetime) -> Decision:
    to_time = command.restore_time or state.pre_cutover_time
    if to_time is None:
        raise CommandRefusedError("restore-to-checkpoint: no pre-cutover checkpoint recorded; give restore_time")
    if to_time > now:
        raise CommandRefusedError(f"restore-to-checkpoint: {to_time.isoformat()} is in the future")
    cluster_id = f"{settings.restore_cluster_prefix}{to_time:%Y%m%d%H%M}"
    if state.restore and state.restore.get("cluster_id") == cluster_id:
        return Decision(state, result={"outcome": "restore already requested", "restore": state.restore})
    restore = {"cluster_id": cluster_id, "to_time": to_time.isoformat(), "requested_at": now.isoformat()}
    why = f" ({command.reason})" if command.reason else ""
    new = replace(state, restore=restore, updated_at=now, reason=f"point-in-time restore requested{why}")
    return Decision(new, (RestoreCluster(to_time, cluster_id),
                          Notify("Restore to checkpoint", f"Restoring {settings.cluster_id} to {to_time.isoformat()} "
                                 f"as new cluster {cluster_id} (point-in-time); add an instance to query it.")),
                    label="restore-started", result={"outcome": "restore started", "restore": restore})


# Completing a transition -----------------------------------------------------------------------------
# The service writes a decision's state with its actions pending, then performs them; these say what a
# performed (or failed) action makes of the state, so the service holds no decisions of its own.


def completed(state: State, action, outcome: object = None) -> State:
    """The state once `action` has been performed (`outcome`: what the AWS call returned, if it matters)."""
    if isinstance(action, SetWeights) and state.phase is Phase.ROLLING_BACK and action.weights == ALL_ON_PREM:
        state = replace(state, phase=Phase.ROLLED_BACK)
    elif isinstance(action, StartBackup):
        state = replace(state, backup_job=str(outcome))
    elif isinstance(action, RestoreCluster):
        state = replace(state, restore={**(state.restore or {}), "status": str(outcome)})
    elif isinstance(action, Label):
        state = replace(state, milestones={**(state.milestones or {}), action.label: iso_now(state)})
    return state


def abandoned_shift(state: State, shift: SetWeights, error: str, now: datetime) -> tuple[State, tuple]:
    """A forward shift Route 53 did not confirm: back to the weights before it, the bake restarts, and the step
    is decided afresh (with fresh gates) by a later tick; if Route 53 did take it, the next invocation adopts
    the records. A rollback is never abandoned: it is retried."""
    reverted = replace(state, phase=Phase.SHIFTING, weights=shift.previous, step_started_at=now, updated_at=now,
                       reason=f"shift to {shift.weights.aurora}% on Aurora not confirmed by Route 53 ({error}); "
                              f"staying at {shift.previous.aurora}% unless the records show otherwise")
    return reverted, (Notify("Cutover step not confirmed", reverted.reason),)


def iso_now(state: State) -> str | None:
    return None if state.updated_at is None else state.updated_at.isoformat()
