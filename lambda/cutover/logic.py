"""Pure decision logic: (state, trigger, what was measured, now) -> new state and the actions to take.

One writer at a time: the canary steps move the reader name; the writer name stays on-prem until the
readers have baked at 100 %, then moves in one atomic change (the flip), right after the sequences are
set past every migrated column. With `write_canary`, writes follow the steps instead (two primaries
during the canary: AWS DMS has no conflict detection). Both names always move in one Route 53 change.
"""

from __future__ import annotations

import enum
from dataclasses import replace
from datetime import datetime, timedelta
from typing import NamedTuple, assert_never

from cutover.gates import Gate, TaskStatus, all_pass
from cutover.models import (
    ALL_ON_AURORA,
    ALL_ON_PREM,
    FLIP_STEPS,
    SIDES,
    STOPPING_EVENT_TYPES,
    AdviseOnpremSequences,
    AlarmEvent,
    AwaitMarker,
    CatchUpSequences,
    Command,
    CommandName,
    Decision,
    FenceWrites,
    Hold,
    InstallFence,
    Label,
    LiftFence,
    Notify,
    Phase,
    RecordEvent,
    Records,
    RestoreCluster,
    SettleFence,
    SetWeights,
    StartAssessment,
    StartBackup,
    StartReverseTask,
    State,
    SyncOnpremSequences,
    SyncSequences,
    TaskEvent,
    Tick,
    Trigger,
    Weights,
    iso,
    restore_cluster_id,
)
from cutover.settings import Settings

IDLE_PHASES = {Phase.REPLICATING, Phase.ROLLED_BACK}
CANARY_PHASES = {Phase.SHIFTING, Phase.AWAITING_FLIP}


class CommandRefusedError(ValueError):
    """A well-formed command that the current phase or the measurements do not allow."""


def next_step(settings: Settings, aurora: int) -> int | None:
    """The next canary percentage above where the readers stand (steps are stored as percentages)."""
    return next((p for p in settings.canary_steps if p > aurora), None)


def reconcile(state: State, observed: Records, settings: Settings, now: datetime) -> State:
    """The records are the truth once no weight change is pending: a change made outside the controller, or
    lost between Route 53 and the checkpoint, is adopted here."""
    if observed == state.records or state.weights_pending:
        return state
    reason = (f"reconciled: records show writer {observed.writer.onprem}/{observed.writer.aurora} readers "
              f"{observed.readers.onprem}/{observed.readers.aurora}, checkpoint had writer "
              f"{state.writer.onprem}/{state.writer.aurora} readers {state.readers.onprem}/{state.readers.aurora}")
    adopted = replace(state, writer=observed.writer, readers=observed.readers, reason=reason, updated_at=now,
                      writes_since=state.writes_since or (now if observed.writer.aurora else None))
    writer, readers = observed.writer.aurora, observed.readers.aurora
    if writer == 0 and readers == 0:
        phase = Phase.ROLLED_BACK if state.phase not in IDLE_PHASES else state.phase
        return replace(adopted, phase=phase, hold=None)
    if writer == 100:
        return replace(adopted, phase=Phase.CUT_OVER, hold=None, step_started_at=now)
    if writer and not settings.write_canary:
        return replace(adopted, phase=Phase.HELD, hold=Hold.OPERATOR, step_started_at=now,
                       reason=reason + "; the writer name is split between two primaries: held until an operator "
                                       "flips or rolls back")
    phase = state.phase if state.phase in (*CANARY_PHASES, Phase.HELD) else Phase.HELD
    hold = state.hold if phase is Phase.HELD else None
    if phase is Phase.HELD and hold is None:
        hold, adopted = Hold.OPERATOR, replace(adopted, reason=reason + "; held until an operator resumes or rolls back")
    return replace(adopted, phase=phase, hold=hold, step_started_at=now)


class Measure(enum.Enum):
    """What deciding needs measured (kept cheap: most ticks need nothing)."""

    NOTHING = "nothing"
    FULL = "full"  # every gate of starting or shifting
    FLIP = "flip"  # those, with the flip's tighter lag and the sequence plan
    REVERSE = "reverse"  # only the reverse task (a rollback after writes reached Aurora depends on it)
    FENCED_ROLLBACK = "fenced-rollback"  # the reverse task and the fence's dry run on both sides
    ASSESS = "assess"  # only whether the forward task can be assessed


def wants(state: State, trigger: Trigger, settings: Settings, now: datetime) -> Measure:
    if isinstance(trigger, Command):
        match CommandName(trigger.name):
            case CommandName.FLIP:
                return Measure.FLIP
            case CommandName.ASSESS:
                return Measure.ASSESS
            case CommandName.STATUS:  # the flip's own gates (its sequence plan among them) once the flip is next
                return Measure.FLIP if state.phase is Phase.AWAITING_FLIP else Measure.FULL
            case CommandName.START_CUTOVER:
                return Measure.FULL
            case CommandName.ROLLBACK:
                if settings.fenced and state.writer == ALL_ON_AURORA:
                    return Measure.FENCED_ROLLBACK
                return Measure.REVERSE if state.writes_since else Measure.NOTHING
            case CommandName.PAUSE | CommandName.RESUME | CommandName.RESTORE | CommandName.UNFENCE | CommandName.LIST:
                return Measure.NOTHING
            case unhandled:
                assert_never(unhandled)
    if isinstance(trigger, Tick):
        if _fence_repair(state, settings, now) is not None:
            return Measure.NOTHING  # this tick repairs the fences and decides nothing else
        if state.phase is Phase.SHIFTING and state.hold is None and bake_done(state, settings, now):
            return Measure.FLIP if settings.write_canary and state.writer.aurora == 0 else Measure.FULL
        if state.phase is Phase.AWAITING_FLIP and settings.auto_flip:
            return Measure.FLIP
        return Measure.NOTHING
    return Measure.REVERSE if state.writes_since and state.phase not in IDLE_PHASES else Measure.NOTHING


def next_steps(state: State, settings: Settings, now: datetime, gates: list[Gate] | None) -> dict:
    """What the cutover waits for and the console command that moves it on (Vitess's next_steps): for status."""
    failing = [g.name for g in gates or [] if not g.ok]
    waits = ("gates: " + "; ".join(failing)) if failing else ""
    match state.phase:
        case Phase.REPLICATING | Phase.ROLLED_BACK:
            return {"waiting_for": waits or "the operator", "command": None if failing else "cutover start"}
        case Phase.SHIFTING if state.hold is None:
            if not bake_done(state, settings, now):
                left = settings.bake_minutes * 60 - (now - state.step_started_at).total_seconds()
                return {"waiting_for": f"the bake at readers {state.readers.aurora}%: {round(left)} s left",
                        "command": None}
            return {"waiting_for": waits or "the next tick (every minute) to take the next step", "command": None}
        case Phase.AWAITING_FLIP:
            if settings.auto_flip:
                return {"waiting_for": waits or "the next tick: the flip is automatic", "command": None}
            return {"waiting_for": waits or "the operator's flip", "command": None if failing else "cutover flip"}
        case Phase.HELD | Phase.SHIFTING:
            return {"waiting_for": f"held: {state.reason}", "command": "cutover resume, or cutover rollback"}
        case Phase.CUT_OVER:
            return {"waiting_for": "nothing: cut over; the reverse task keeps on-prem current",
                    "command": "cutover report (or cutover rollback, while the reverse task runs)"}
        case Phase.ROLLING_BACK:
            return {"waiting_for": "Route 53 to accept the rollback (retried every minute)", "command": None}
        case unhandled:
            assert_never(unhandled)


def bake_done(state: State, settings: Settings, now: datetime) -> bool:
    if state.readers.aurora == 0 or state.step_started_at is None:
        return True  # from 0% the first step waits only for its gates (the reverse task running)
    return now - state.step_started_at >= timedelta(minutes=settings.bake_minutes)


def decide(state: State, trigger: Trigger, settings: Settings, *, now: datetime, observed: Records,
           gates: list[Gate] | None = None, recorded: tuple[str, ...] = (),
           reverse: TaskStatus | None = None, fences: tuple[str, ...] | None = None) -> Decision:
    """`recorded`: ids of DMS events already in the event record (redeliveries are ignored); `reverse`:
    the reverse task as measured, when writes have reached Aurora (a rollback depends on it); `fences`: the
    sides measured fenced now (None: not measured), which replace what the checkpoint remembers."""
    state = reconcile(state, observed, settings, now)
    if fences is not None and fences != state.fenced:
        state = replace(state, fenced=fences, updated_at=now,
                        reason=f"fences measured: {', '.join(fences) or 'none'} fenced (the checkpoint had "
                               f"{', '.join(state.fenced) or 'none'})")
    # An event that caused a transition is remembered with it, and a recorded DMS event in the event
    # record, so a redelivery changes nothing. Neither costs a checkpoint version of its own: an event
    # that changes nothing writes nothing (delivered again, it is judged again on the state of the moment).
    event_id = trigger.event_id if isinstance(trigger, TaskEvent | AlarmEvent) else None
    if event_id and (event_id in state.processed or event_id in recorded):
        return Decision(state, result={"outcome": "duplicate event ignored", "event_id": event_id})
    if isinstance(trigger, Command):
        decision = _command(state, trigger, settings, now, gates, reverse)
    elif isinstance(trigger, TaskEvent):
        decision = _task_event(state, trigger, settings, now, reverse)
    elif isinstance(trigger, AlarmEvent):
        decision = _alarm(state, trigger, settings, now, reverse)
    else:
        decision = _tick(state, settings, now, gates)
    if decision.state == state:
        return decision
    by = (trigger.operator or "unknown") if isinstance(trigger, Command) else "controller"
    return decision._replace(state=replace(decision.state.remember(event_id), operator=by))


def _shift(state: State, writer: Weights, readers: Weights) -> SetWeights:
    return SetWeights(writer, readers, state.writer, state.readers)


# Ticks -----------------------------------------------------------------------------------------------


def expected_fences(state: State) -> tuple[str, ...] | None:
    """Which sides the fenced mode keeps fenced, given where the writer name points (None: no rule applies).

    Before a cutover starts nothing is fenced; from then on exactly the side the writer name does not point
    to is fenced. A writer name split between the two is an operator's decision, not the controller's."""
    if state.phase is Phase.REPLICATING:
        return None
    if state.writer == ALL_ON_AURORA:
        return ("onprem",)
    if state.writer == ALL_ON_PREM:
        return ("aurora",)
    return None


def must_close(state: State, side: str) -> bool:
    """Whether `side`, when fenced, is closed (serves nothing) rather than read-only: Aurora stays read-only while
    the reader name may point to it (from start-cutover until the flip), every other fenced side is closed."""
    return side == "onprem" or state.phase in (Phase.ROLLED_BACK, Phase.ROLLING_BACK)


def mirror(state: State, settings: Settings, now: datetime, to_open: str, prefix: str) -> list:
    """The only way a side opens: the other side fenced with a fresh marker written after its fence, that marker
    seen on `to_open` (every write the other side took is there), `to_open`'s sequences synced, then the lift."""
    other = "aurora" if to_open == "onprem" else "onprem"
    token = f"{prefix}-{now:%Y%m%dT%H%M%SZ}"
    sync = SyncSequences(settings.sequence_gap) if to_open == "aurora" else SyncOnpremSequences(settings.sequence_gap)
    return [FenceWrites(other, token, True, close=must_close(state, other)), AwaitMarker(to_open, token), sync,
            LiftFence(to_open), SettleFence(to_open)]


def _fence_repair(state: State, settings: Settings, now: datetime) -> Decision | None:
    """The fences follow the writer name: a side that must be fenced and is not (measured) is fenced again; a
    side that must be open and is not opens only through the whole mirror (never two writable sides on the way,
    never one opened before the other side's writes have arrived)."""
    expected = expected_fences(state) if settings.fenced and not state.pending and not state.fence_override else None
    if expected is None or state.fenced == expected:
        return None
    fenced_side = expected[0]
    open_side = "aurora" if fenced_side == "onprem" else "onprem"
    if open_side in state.fenced:
        actions = mirror(state, settings, now, open_side, "repair")
    else:
        actions = [FenceWrites(fenced_side, end_sessions=True, close=must_close(state, fenced_side))]
    why = (f"fences repaired to follow the writer name: {fenced_side} fenced, {open_side} open "
           f"(measured: {', '.join(state.fenced) or 'none'} fenced)")
    if fenced_side not in state.fenced:
        why += f"; {fenced_side} was found writable: every outside session there was ended"
    if open_side in state.fenced:
        why += f"; {open_side} opens only once {fenced_side}'s marker has reached it and its sequences are synced"
    return Decision(state, (*actions, Notify("Fences repaired", why)), result={"outcome": why})


def _tick(state: State, settings: Settings, now: datetime, gates: list[Gate] | None) -> Decision:
    repair = _fence_repair(state, settings, now)
    if repair is not None:
        return repair
    if state.phase is Phase.ROLLING_BACK and not state.weights_pending:
        return _rollback(state, "retrying the rollback", now, settings)
    if state.phase is Phase.CUT_OVER and state.backup_job is None:
        return Decision(state, (StartBackup(),), result={"outcome": "starting the post-cutover backup"})
    if state.phase is Phase.AWAITING_FLIP and settings.auto_flip:
        if gates is None or not all_pass(gates):
            failing = [g.name for g in gates or [] if not g.ok]
            return Decision(state, result={"outcome": "waiting for the flip gates", "failing": failing})
        return _flip(state, settings, now, "automatic flip")
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
    percent = next_step(settings, state.readers.aurora)  # never more than one step per decision
    if percent is None:  # readers at 100 % and baked
        if settings.write_canary:
            return Decision(state, result={"outcome": "idle", "phase": state.phase.value})
        waiting = replace(state, phase=Phase.AWAITING_FLIP, updated_at=now,
                          reason="readers on Aurora and baked; writes stay on-prem until the flip")
        how = "it follows automatically once the flip gates hold" if settings.auto_flip else \
            'send {"command": "flip"} when ready'
        return Decision(waiting, (Notify("Readers cut over; writes wait for the flip", f"{waiting.reason}; {how}."),),
                        result={"outcome": "awaiting the flip"})
    readers = Weights.on_aurora(percent)
    writer = readers if settings.write_canary else state.writer
    number = settings.canary_steps.index(percent) + 1
    what = "reads and writes" if settings.write_canary else "reads"
    if settings.write_canary and percent == 100:
        return _cut_over(state, settings, now, f"cutover complete ({what} followed the canary)")
    actions: tuple = (_shift(state, writer, readers),)
    writes_since = state.writes_since
    if settings.write_canary and state.writer.aurora == 0:
        actions = (SyncSequences(settings.sequence_gap), *actions)  # before the first write reaches Aurora
        writes_since = now
    new = replace(state, writer=writer, readers=readers, updated_at=now, step_started_at=now,
                  writes_since=writes_since,
                  reason=f"canary step {number}/{len(settings.canary_steps)}: {percent}% of {what} on Aurora")
    return Decision(new, (*actions, Notify("Cutover step", new.reason)),
                    result={"outcome": "advanced", "aurora": percent})


def _flip(state: State, settings: Settings, now: datetime, why: str) -> Decision:
    if not settings.fenced:
        return _cut_over(state, settings, now, f"writes flipped to Aurora ({why}; drain mode: pooled connections "
                                                "keep writing on on-prem until drained)")
    return _fenced_flip(state, settings, now, f"writes flipped to Aurora ({why}), fenced")


def _fenced_flip(state: State, settings: Settings, now: datetime, reason: str) -> Decision:
    """Stop writes on on-prem in the database, wait until Aurora holds every one of them (the marker), set the
    sequences, open Aurora, then move both names in one change: never two writable databases."""
    token = f"flip-{now:%Y%m%dT%H%M%SZ}"
    new = replace(state, phase=Phase.CUT_OVER, writer=ALL_ON_AURORA, readers=ALL_ON_AURORA, hold=None,
                  updated_at=now, step_started_at=now, writes_since=state.writes_since or now, reason=reason,
                  flip={"token": token, "direction": "to-aurora", "decided_at": iso(now),
                        "fenced_before": list(state.fenced)}, fence_override=None)
    # The sequences are synced before the pause (the per-table work); inside it only a catch-up of the few that
    # on-prem's final positions have reached, and lifts that do not scan tables.
    actions = (FenceWrites("aurora"),  # read-only since the cutover started; asserted again, idempotent
               SyncSequences(settings.sequence_gap),
               FenceWrites("onprem", token, True, close=True), AwaitMarker("aurora", token),
               CatchUpSequences("aurora", settings.sequence_gap), LiftFence("aurora"),
               _shift(state, ALL_ON_AURORA, ALL_ON_AURORA), SettleFence("aurora"), StartBackup(),
               Notify("Cutover complete", f"{reason}. On-prem was closed and every session outside the allowlist ended, Aurora "
                      "caught up to the fence's marker, sequences were set past every migrated column, then Aurora "
                      "was opened and both names moved in one change; the reverse task keeps on-prem current."))
    return Decision(new, actions, label="cutover-complete", result={"outcome": "cut over", "aurora": 100})


def _cut_over(state: State, settings: Settings, now: datetime, reason: str) -> Decision:
    """Every write and read to Aurora in one change, sequences synced first unless writes are there already."""
    actions: tuple = () if state.writer.aurora else (SyncSequences(settings.sequence_gap),)
    new = replace(state, phase=Phase.CUT_OVER, writer=ALL_ON_AURORA, readers=ALL_ON_AURORA, hold=None,
                  updated_at=now, step_started_at=now, writes_since=state.writes_since or now, reason=reason)
    return Decision(new, (*actions, _shift(state, ALL_ON_AURORA, ALL_ON_AURORA), StartBackup(),
                          Notify("Cutover complete", f"{reason}. Sequences were set past every migrated column "
                                 "first; the reverse task keeps on-prem current for rollback; post-cutover "
                                 "backup started.")),
                    label="cutover-complete", result={"outcome": "cut over", "aurora": 100})


# Events ----------------------------------------------------------------------------------------------


def _task_event(state: State, event: TaskEvent, settings: Settings, now: datetime,
                reverse: TaskStatus | None) -> Decision:
    which = {settings.forward_task_arn: "forward", settings.reverse_task_arn: "reverse"}.get(event.task_arn)
    record = (RecordEvent(event), Notify(f"DMS {which or 'unknown'} task: {event.event_type}", event.message))
    if which is None:
        return Decision(state, record, result={"outcome": "event of an unknown task recorded"})
    stopping = event.event_type in STOPPING_EVENT_TYPES
    if not stopping or state.phase not in (*CANARY_PHASES, Phase.HELD, Phase.CUT_OVER):
        return Decision(state, record, result={"outcome": "recorded"})
    if which == "reverse":
        # Without the reverse task a rollback would lose Aurora's writes: hold, never roll back on it.
        if state.phase in CANARY_PHASES:
            held = replace(state, phase=Phase.HELD, hold=Hold.TASK, updated_at=now,
                           reason=f"reverse task {event.event_type}: cutover held; fix and resume")
            return Decision(held, (*record, Notify("Cutover held", held.reason)), result={"outcome": "held"})
        return Decision(state, (*record, Notify("Reverse replication stopped", "On-prem no longer receives "
                                                "Aurora's writes; restart the reverse task before any rollback.")),
                        result={"outcome": "recorded; reverse replication down"})
    if state.phase in CANARY_PHASES:
        return _hold_or_rollback(state, f"forward task {event.event_type}", settings, now, Hold.TASK, record,
                                 reverse)
    return Decision(state, record, result={"outcome": "recorded"})


def _alarm(state: State, alarm: AlarmEvent, settings: Settings, now: datetime, reverse: TaskStatus | None) -> Decision:
    if alarm.alarm_name not in settings.lag_alarm_names:
        return Decision(state, result={"outcome": "not a lag alarm; ignored"})
    if alarm.state == "ALARM" and state.phase in CANARY_PHASES:
        return _hold_or_rollback(state, f"lag alarm {alarm.alarm_name}", settings, now, Hold.ALARM,
                                 (Notify(f"Lag alarm {alarm.alarm_name}", alarm.reason),), reverse)
    if alarm.state == "OK" and state.phase is Phase.HELD and state.hold is Hold.ALARM:
        resumed = replace(state, phase=Phase.SHIFTING, hold=None, step_started_at=now, updated_at=now,
                          reason=f"lag alarm {alarm.alarm_name} OK: cutover resumes after a full bake")
        return Decision(resumed, (Notify("Cutover resumes", resumed.reason),), result={"outcome": "resumed"})
    return Decision(state, result={"outcome": "no change", "alarm": alarm.state})


def _hold_or_rollback(state: State, cause: str, settings: Settings, now: datetime, kind: Hold,
                      actions: tuple, reverse: TaskStatus | None) -> Decision:
    refusal = rollback_refusal(state, reverse, now)
    if settings.rollback_on_alarm and refusal is None:
        decision = _rollback(state, f"{cause}: automatic rollback", now, settings)
        return decision._replace(actions=actions + decision.actions)
    why = f"{cause}: cutover held" + (f"; no automatic rollback: {refusal}" if refusal else "")
    held = replace(state, phase=Phase.HELD, hold=kind, updated_at=now, reason=why)
    return Decision(held, (*actions, Notify("Cutover held", held.reason)), result={"outcome": "held"})


def rollback_refusal(state: State, reverse: TaskStatus | None, now: datetime) -> str | None:
    """Why a rollback would lose writes, or None. Once writes reached Aurora, only a running reverse task
    carries them back to on-prem."""
    if state.writes_since is None or (reverse is not None and reverse.status == "running"):
        return None
    status = "unknown" if reverse is None else reverse.status
    since = ""
    if reverse is not None and reverse.stopped_at is not None:
        since = f", stopped {int((now - reverse.stopped_at).total_seconds() // 60)} min ago"
    return (f"writes reached Aurora at {state.writes_since.isoformat()} and the reverse task is {status}{since}: "
            "on-prem would miss what Aurora took since")


def _rollback(state: State, why: str, now: datetime, settings: Settings, *, force: bool = False) -> Decision:
    """Rolling back until Route 53 confirms the change (see `completed`), then rolled back. Both names move
    in the same change; if writes had reached Aurora, the operator gets on-prem's setval statements (fenced
    mode, writer on Aurora: the mirror of the flip, sequences included)."""
    new = replace(state, phase=Phase.ROLLING_BACK, writer=ALL_ON_PREM, readers=ALL_ON_PREM, hold=None,
                  updated_at=now, step_started_at=None, reason=f"rolled back: {why}", fence_override=None)
    if settings.fenced and state.writer == ALL_ON_AURORA:
        token = f"rollback-{now:%Y%m%dT%H%M%SZ}"
        new = replace(new, flip={"token": token, "direction": "to-onprem", "decided_at": iso(now),
                                 "fenced_before": list(state.fenced)})
        catch_up = () if force else (AwaitMarker("onprem", token),)
        how = ("; forced: on-prem was opened without waiting for Aurora's last writes (rows Aurora took may be "
               "missing on-prem), with its sequences set past every id Aurora issued" if force else
               "; Aurora closed, on-prem caught up to its marker, on-prem's sequences set past every column and "
               "every id Aurora issued, on-prem opened")
        actions = (SyncOnpremSequences(settings.sequence_gap),  # before the pause, page by page
                   FenceWrites("aurora", token, True, close=True), *catch_up,
                   CatchUpSequences("onprem", settings.sequence_gap), LiftFence("onprem"),
                   _shift(state, ALL_ON_PREM, ALL_ON_PREM),
                   Notify("Rolled back to on-prem", new.reason + how))
        return Decision(new, actions, label="rolled-back", result={"outcome": "rolled back"})
    advice = (AdviseOnpremSequences(settings.sequence_gap),) if state.writes_since else ()
    return Decision(new, (_shift(state, ALL_ON_PREM, ALL_ON_PREM), *advice, Notify("Rolled back to on-prem",
                                                                                   new.reason)),
                    label="rolled-back", result={"outcome": "rolled back"})


# Commands --------------------------------------------------------------------------------------------


def _command(state: State, command: Command, settings: Settings, now: datetime, gates: list[Gate] | None,
             reverse: TaskStatus | None) -> Decision:
    name = CommandName(command.name)
    why = f" ({command.reason})" if command.reason else ""
    failing = "; ".join(f"{g.name} ({g.measured})" for g in gates or [] if not g.ok) or "gates not measured"
    match name:
        case CommandName.STATUS:
            return Decision(state, result={"outcome": "status"})
        case CommandName.LIST:
            return Decision(state, result={"outcome": "list", "what": command.what})
        case CommandName.ASSESS:
            if gates is None or not all_pass(gates):
                raise CommandRefusedError(f"assess: {failing}. DMS runs premigration assessments on a task that is not "
                                          "replicating; the gate accepts the last run made before the full load")
            run = f"premigration-{now:%Y%m%d-%H%M%S}"
            new = replace(state, assessment={"run": run, "requested_at": now.isoformat()}, updated_at=now,
                          reason=f"premigration assessment {run} started{why}")
            return Decision(new, (StartAssessment(run), Notify("Premigration assessment started", new.reason)),
                            result={"outcome": "assessment started", "run": run})
        case CommandName.START_CUTOVER:
            if state.phase not in IDLE_PHASES:
                raise CommandRefusedError(f"start-cutover: the migration is {state.phase.value}; only possible when "
                                          f"replicating or rolled back")
            if gates is None or not all_pass(gates):
                raise CommandRefusedError(f"start-cutover: gates failing: {failing}")
            new = replace(state, phase=Phase.SHIFTING, hold=None, pre_cutover_time=now, step_started_at=now,
                          updated_at=now, backup_job=None, writes_since=None, reason=f"cutover started{why}",
                          fence_override=None)
            # Read-only for the reader canary; a close left by an earlier rollback is lifted after, never before.
            fence = (FenceWrites("aurora", end_sessions=True), LiftFence("aurora", "connect"),
                     InstallFence("onprem")) if settings.fenced else ()
            return Decision(new, (*fence, StartReverseTask(now), Notify("Cutover started", new.reason)),
                            label="cutover-started", result={"outcome": "cutover started"})
        case CommandName.FLIP:
            if settings.write_canary:
                raise CommandRefusedError("flip: with cutover.write_canary the writes follow the canary steps")
            if state.phase is not Phase.AWAITING_FLIP:
                raise CommandRefusedError(f"flip: the migration is {state.phase.value}; the flip comes once the readers "
                                          "have baked at 100% (phase awaiting-flip)")
            if gates is None or not all_pass(gates):
                raise CommandRefusedError(f"flip: gates failing: {failing}")
            return _flip(state, settings, now, f"operator{why}")
        case CommandName.PAUSE:
            if state.phase not in CANARY_PHASES:
                raise CommandRefusedError(f"pause: nothing is shifting (the migration is {state.phase.value})")
            held = replace(state, phase=Phase.HELD, hold=Hold.OPERATOR, updated_at=now,
                           reason=f"paused by operator{why}")
            return Decision(held, (Notify("Cutover paused", held.reason),), result={"outcome": "paused"})
        case CommandName.RESUME:
            if state.fence_override and state.phase is not Phase.HELD:
                cleared = replace(state, fence_override=None, updated_at=now,
                                  reason=f"fence repairs resumed by operator{why}")
                return Decision(cleared, (Notify("Fence repairs resumed", cleared.reason),),
                                result={"outcome": "fence repairs resumed"})
            if state.phase is not Phase.HELD:
                raise CommandRefusedError(f"resume: nothing is held (the migration is {state.phase.value})")
            resumed = replace(state, phase=Phase.SHIFTING, hold=None, step_started_at=now, updated_at=now,
                              reason=f"resumed by operator{why}", fence_override=None)
            return Decision(resumed, (Notify("Cutover resumed", resumed.reason),), result={"outcome": "resumed"})
        case CommandName.ROLLBACK:
            if state.phase is Phase.ROLLING_BACK and state.weights_pending:
                return Decision(state, result={"outcome": "rollback in progress: the Route 53 change is being retried"})
            if state.records == (ALL_ON_PREM, ALL_ON_PREM) and state.phase in IDLE_PHASES:
                return Decision(state, result={"outcome": "nothing to roll back: all traffic is on-prem"})
            refusal = rollback_refusal(state, reverse, now)
            if refusal and not command.force:
                raise CommandRefusedError(f"rollback refused: {refusal}. Restart the reverse task, or send "
                                          '"force": true to roll back anyway')
            fence_failing = [g for g in gates or [] if not g.ok]
            if fence_failing and not command.force:
                raise CommandRefusedError(f"rollback refused: {failing}. Fix what fails (the fence, parity, a long "
                                          "transaction), or send \"force\": true")
            forced = f"; forced although {refusal}" if refusal else ""
            return _rollback(state, f"operator{why}{forced}", now, settings, force=command.force and bool(refusal))
        case CommandName.RESTORE:
            return _restore(state, command, settings, now)
        case CommandName.UNFENCE:
            return _unfence(state, command, settings, now)
        case unhandled:
            assert_never(unhandled)


def _unfence(state: State, command: Command, settings: Settings, now: datetime) -> Decision:
    """The last resort: one side's fence lifted by hand. The ticks stop repairing fences until a command that
    moves the cutover (start, flip, resume, rollback) takes them back."""
    if not settings.fenced:
        raise CommandRefusedError("unfence: cutover.flip_mode is drain; there is no fence")
    other = "aurora" if command.side == "onprem" else "onprem"
    if other not in state.fenced and not command.force:
        raise CommandRefusedError(f"unfence: {other} is not fenced, so both databases would take writes (two "
                                  'primaries without conflict detection). Send "force": true only if you mean it')
    override = f"{command.side} unfenced by hand at {iso(now)}: {command.reason}"
    new = replace(state, fence_override=override, updated_at=now, reason=override)
    return Decision(new, (LiftFence(command.side), SettleFence(command.side), Notify("Fence lifted by hand", override + (
        f"; {other} is not fenced either: both databases take writes" if other not in state.fenced else
        "; the ticks leave the fences alone until start-cutover, flip, resume or rollback"))),
                    result={"outcome": "unfenced", "side": command.side})


def _restore(state: State, command: Command, settings: Settings, now: datetime) -> Decision:
    to_time = command.restore_time or state.pre_cutover_time
    if to_time is None:
        raise CommandRefusedError("restore-to-checkpoint: no pre-cutover checkpoint recorded; give restore_time")
    if to_time > now:
        raise CommandRefusedError(f"restore-to-checkpoint: {to_time.isoformat()} is in the future")
    cluster_id = restore_cluster_id(settings.restore_cluster_prefix, to_time)
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



def _with_pause(flip: dict, action: SetWeights, now: datetime) -> dict:
    """The write pause is the time from this flip's own fence, as its checkpoint recorded it, to the change that
    moves the writer where the flip was going; any other change (a canary step, a later shift, a flip abandoned
    or already measured) records none."""
    target = ALL_ON_AURORA if flip.get("direction") == "to-aurora" else ALL_ON_PREM
    started = flip.get("fence_started_at")
    if action.writer != target or not started or not flip.get("fenced_at") or "write_pause_seconds" in flip \
            or "abandoned_at" in flip:
        return flip
    return {**flip, "write_pause_seconds": round((now - datetime.fromisoformat(started)).total_seconds(), 3)}


def completed(state: State, action, outcome: object = None, *, now: datetime | None = None) -> State:
    """The state once `action` has been performed (`outcome`: what the AWS call returned, if it matters;
    `now`: when it returned, for the write pause)."""
    if isinstance(action, SetWeights) and state.flip and now is not None:
        state = replace(state, flip=_with_pause(state.flip, action, now))
    if isinstance(action, SetWeights) and state.phase is Phase.ROLLING_BACK and action.writer == ALL_ON_PREM:
        state = replace(state, phase=Phase.ROLLED_BACK)
    elif isinstance(action, FenceWrites):
        state = replace(state, fenced=_with(state.fenced, action.side, True))
        if action.token and state.flip and state.flip.get("token") == action.token and isinstance(outcome, dict):
            state = replace(state, flip={**state.flip, "fence_started_at": outcome.get("fence_started_at"),
                                         "fenced_at": outcome.get("fenced_at"),
                                         "marker_at": outcome.get("marker_at"),
                                         "sessions_ended": outcome.get("sessions_ended"),
                                         "fence_steps_seconds": outcome.get("steps_seconds")})
    elif isinstance(action, LiftFence) and action.layer != "connect":  # lifting only the close leaves it read-only
        state = replace(state, fenced=_with(state.fenced, action.side, False))
    elif isinstance(action, AwaitMarker) and state.flip and state.flip.get("token") == action.token:
        state = replace(state, flip={**state.flip, "caught_up_seconds": outcome})
    elif isinstance(action, CatchUpSequences) and isinstance(outcome, dict) and state.flip:
        state = replace(state, flip={**state.flip, "sequences_caught_up": outcome.get("moved")})
    elif isinstance(action, SyncOnpremSequences) and isinstance(outcome, dict):
        state = replace(state, sequences={**(state.sequences or {}), "onprem_synced": {
            "at": iso_now(state), "count": outcome.get("sequences"), "set": outcome.get("set"), "gap": action.gap}})
    elif isinstance(action, StartBackup):
        state = replace(state, backup_job=str(outcome))
    elif isinstance(action, RestoreCluster):
        state = replace(state, restore={**(state.restore or {}), "status": str(outcome)})
    elif isinstance(action, Label):
        state = replace(state, milestones={**(state.milestones or {}), action.label: iso_now(state)})
    elif isinstance(action, StartAssessment):
        state = replace(state, assessment={**(state.assessment or {}), "run_arn": str(outcome)})
    elif isinstance(action, SyncSequences | AdviseOnpremSequences):
        state = replace(state, sequences=sequence_summary(state, action, outcome))
    return state


CHECKPOINT_SAMPLE = 3  # refusals and largest jumps kept in the checkpoint (a 4 KB parameter); notices carry 20


def sequence_summary(state: State, action, plan) -> dict:
    """The sync's (or the advice's) counts, refusals and largest jumps: bounded whatever the schema."""
    key = "synced" if isinstance(action, SyncSequences) else "onprem_advice"
    body = plan.summary() if hasattr(plan, "summary") else {}
    for field in ("refusals", "largest_jumps"):
        if field in body:
            body[field] = body[field][:CHECKPOINT_SAMPLE]
    return {**(state.sequences or {}), key: {"at": iso_now(state), "gap": action.gap, **body}}


def _with(sides: tuple[str, ...], side: str, fenced: bool) -> tuple[str, ...]:
    chosen = (set(sides) | {side}) if fenced else (set(sides) - {side})
    return tuple(s for s in SIDES if s in chosen)


def abandoned_shift(state: State, shift: SetWeights, error: str, now: datetime, settings: Settings | None = None,
                    observed: Records | None = None, *, fresh: bool = True) -> tuple[State, tuple]:
    """A forward shift (or the flip, or the sequence sync before it) that did not complete: back to the weights
    before it, the bake restarts, and a later tick or command decides again with fresh gates; if Route 53
    did take it, the next invocation adopts the records. A rollback is never abandoned: it is retried.

    A fenced flip or rollback is undone (or, when Route 53 already holds its change, completed) by its fences:
    the side that was to close is fenced first, the side that was to stay open is opened after."""
    if settings is not None and settings.fenced and {shift.writer, shift.previous} == {ALL_ON_AURORA, ALL_ON_PREM}:
        return _abandoned_fenced(state, shift, error, now, observed, settings, fresh)
    flip_pending = shift.previous_readers.aurora == 100 and shift.previous.aurora == 0
    phase = Phase.AWAITING_FLIP if flip_pending and state.phase is Phase.CUT_OVER else Phase.SHIFTING
    reverted = replace(state, phase=phase, writer=shift.previous, readers=shift.previous_readers,
                       step_started_at=now, updated_at=now,
                       writes_since=None if shift.previous.aurora == 0 else state.writes_since,
                       reason=f"shift to writer {shift.writer.aurora}% / readers {shift.readers.aurora}% on Aurora "
                              f"not completed ({error}); staying at writer {shift.previous.aurora}% / readers "
                              f"{shift.previous_readers.aurora}% unless the records show otherwise")
    return reverted, (Notify("Cutover step not confirmed", reverted.reason),)


def _abandoned_fenced(state: State, shift: SetWeights, error: str, now: datetime, observed: Records | None,
                      settings: Settings, fresh: bool) -> tuple[State, tuple]:
    to_aurora = shift.writer == ALL_ON_AURORA
    old, new = ("onprem", "aurora") if to_aurora else ("aurora", "onprem")
    if observed is not None and observed == shift.records:  # the names already point to the new side: finish
        phase = Phase.CUT_OVER if to_aurora else Phase.ROLLED_BACK
        done = replace(state, phase=phase, writer=shift.writer, readers=shift.readers, updated_at=now,
                       reason=f"{state.reason}; completed after an interruption ({error}): {old} fenced, {new} open")
        if fresh and new not in state.fenced:  # the catch-up was done and the side lifted before the change
            return done, (FenceWrites(old, end_sessions=True, close=must_close(done, old)), LiftFence(new),
                          SettleFence(new), Notify("Fences completed", done.reason))
        # The records moved without the catch-up (by hand, or before the steps ran): the new side opens only
        # through the whole mirror.
        return done, (*mirror(done, settings, now, new, "complete"), Notify("Fences completed", done.reason))
    # The old side reopens at once only if it was the open side when this decision began and the new side has
    # stayed fenced since (so the new side took no write the old one lacks); otherwise through the whole mirror.
    was_open = old not in (state.flip or {}).get("fenced_before", SIDES)
    opened = new not in state.fenced or not fresh or not was_open
    how = (f"{new} may have taken writes, so it was fenced again and {old} reopens only once {new}'s marker has "
           f"reached it and {old}'s sequences are synced" if opened else
           f"{new} was never opened, so {new} stays fenced and {old} was reopened")
    if to_aurora:
        reverted = replace(state, phase=Phase.AWAITING_FLIP, writer=shift.previous, readers=shift.previous_readers,
                           step_started_at=now, updated_at=now,
                           writes_since=None if shift.previous.aurora == 0 else state.writes_since,
                           reason=f"flip not completed ({error}); {how}; the names did not move; send flip again "
                                  "when the cause is fixed")
    else:
        reverted = replace(state, phase=Phase.HELD, hold=Hold.OPERATOR, writer=shift.previous,
                           readers=shift.previous_readers, step_started_at=now, updated_at=now,
                           reason=f"rollback not completed ({error}); {how}; writes stay on Aurora; roll back "
                                  "again when the cause is fixed")
    if reverted.flip:  # its fence no longer times anything: a later shift is not this flip's
        reverted = replace(reverted, flip={**reverted.flip, "abandoned_at": iso(now)})
    undo = mirror(reverted, settings, now, old, "undo") if opened else \
        [FenceWrites(new, end_sessions=True, close=must_close(reverted, new)), LiftFence(old), SettleFence(old)]
    return reverted, (*undo, Notify("Flip not completed" if to_aurora else "Rollback not completed", reverted.reason))


class Recovery(NamedTuple):
    """What comes of a failed action: the state, what is performed next, what stays pending for a later
    invocation, and whether this invocation stops performing."""

    state: State
    queue: tuple
    kept: tuple = ()
    stop: bool = False


def recover(state: State, failed, queue: tuple, error: str, settings: Settings, now: datetime,
            observed: Records | None, *, fresh: bool = True) -> Recovery:
    """The one failure policy: undo, retry, drop or hold.

    - A primary action of a shift (the flip, a rollback's fence steps, a canary step): undone by abandoning the
      shift; a rollback's own Route 53 change is retried instead.
    - A fence step outside a shift (a repair): the rest of its fence steps are dropped; a catch-up that did not
      come holds the repairs for the operator (both sides stay fenced), anything else is repaired by the next tick.
    - Any other primary action: kept with everything after it, retried by the next invocation.
    - A secondary action: kept, retried later; the rest goes on.
    `fresh`: the actions are this invocation's own; False when completing what a dead invocation left, whose
    checkpoint cannot tell which fences it changed (so an undo assumes the worst and mirrors)."""
    shift = failed if isinstance(failed, SetWeights) else next((a for a in queue if isinstance(a, SetWeights)), None)
    fence_step = isinstance(failed, FLIP_STEPS)
    if not failed.primary:
        return Recovery(state, queue, kept=(failed,))
    if shift is not None and (state.phase is not Phase.ROLLING_BACK or (settings.fenced and fence_step)):
        reverted, compensation = abandoned_shift(state, shift, error, now, settings, observed, fresh=fresh)
        return Recovery(reverted, (*(a for a in compensation if a.primary),
                                   *(a for a in queue if isinstance(a, RecordEvent)),
                                   *stamped(reverted, tuple(a for a in compensation if not a.primary), now)))
    if fence_step:
        rest = tuple(a for a in queue if not isinstance(a, FLIP_STEPS))
        what = f"{type(failed).__name__} {getattr(failed, 'side', '')}: {error}; fenced now: " \
               f"{', '.join(state.fenced) or 'none'}"
        if isinstance(failed, AwaitMarker):
            held = replace(state, fence_override=f"fence repair held at {iso(now)}: {what}", updated_at=now,
                           reason=f"fence repair held: {what}")
            return Recovery(held, (*rest, *stamped(held, (Notify("Fence repair held", (
                f"{what}. {failed.side} is not opened before the other side's writes have reached it. Once "
                f"replication has caught up (status: lag, reverse task), send resume; or roll back/flip"
                f"{'' if failed.side == 'onprem' else ' again'}")),), now)))
        return Recovery(state, (*rest, *stamped(state, (Notify("Fence step failed", (
            f"{what}; the next tick measures the fences and repairs them")),), now)))
    return Recovery(state, (), kept=(failed, *queue), stop=True)


def stamped(state: State, actions: tuple, now: datetime) -> tuple:
    """Notices carry the state they were sent in."""
    stamp = (f"\n\nphase={state.phase.value} writer={state.writer.onprem}/{state.writer.aurora} "
             f"readers={state.readers.onprem}/{state.readers.aurora} at={now.isoformat()} "
             f"by={state.operator or 'controller'}")
    return tuple(Notify(a.subject, a.message + stamp) if isinstance(a, Notify) else a for a in actions)


def iso_now(state: State) -> str | None:
    return None if state.updated_at is None else state.updated_at.isoformat()
