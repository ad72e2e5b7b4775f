"""The controller's laws, over random interleavings of ticks, events, commands, clock jumps and crashes.

The laws come from the README's runbook, stated here without the implementation's help:
- both names' weights always sum to 100, and the readers only ever stand on a canary step (or 0);
- a reader step moves one canary step at a time, and only when every gate holds;
- writes never reach Aurora before the sequences are synced (a sync precedes, in the same change);
- without write_canary the writer name is never split: all on-prem or all on Aurora;
- a rollback moves both names to on-prem at once, and once writes reached Aurora it happens only with
  the reverse task running or with force; a refused rollback changes nothing;
- an event delivered twice changes state once; the checkpoint follows the records after a crash;
(the fenced cutover's laws are in test_fence_laws.py).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from cutover import logic, models
from cutover.gates import Gate, TaskStatus
from cutover.logic import CommandRefusedError, decide
from cutover.models import (
    ALL_ON_PREM,
    Command,
    FenceWrites,
    Phase,
    Records,
    SetWeights,
    State,
    SyncSequences,
    TaskEvent,
    Tick,
    Weights,
)
from cutover.settings import Settings
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.controller.fakes import FORWARD, REVERSE, Clock, environment

ONE_WRITER = Settings.from_env(environment())
FENCED = Settings.from_env(environment(flip_mode="fenced"))
WRITE_CANARY = Settings.from_env(environment(write_canary=True))
ALARM = ONE_WRITER.lag_alarm_names[1]
STEPS = (10, 50, 100)  # the canary steps of the environment above, written out
ON_PREM = Records(ALL_ON_PREM, ALL_ON_PREM)
_ids = itertools.count()


def gates(ok: bool) -> list[Gate]:
    return [Gate("all", ok, "measured")]


class ControllerMachine(RuleBasedStateMachine):
    """Route 53 is simulated as it would hold the records; a crash applies the weight change to the records
    but loses the checkpoint write."""

    settings = ONE_WRITER

    def __init__(self):
        super().__init__()
        self.clock = Clock()
        self.state = State()
        self.records = ON_PREM
        self.reverse = TaskStatus("running")
        self.synced_this_cutover = False
        self.events: list = []
        self.open = {"onprem", "aurora"}  # what the databases allow the application, as actions leave them
        self.fences_started = False

    def apply(self, trigger, gates_ok: bool = True, crash: bool = False):
        before = self.records
        try:
            decision = decide(self.state, trigger, self.settings, now=self.clock(), observed=self.records,
                              gates=gates(gates_ok), reverse=self.reverse)
        except CommandRefusedError:
            assert self.records == before  # a refusal changes nothing
            return None
        state, synced_here = decision.state, False
        for action in decision.actions:
            if isinstance(action, SyncSequences):
                synced_here = True
            if isinstance(action, SetWeights):
                new = action.records
                if new.readers.aurora > before.readers.aurora and isinstance(trigger, Tick):
                    assert gates_ok, "shifted while a gate failed"
                    allowed = [p for p in STEPS if p > before.readers.aurora][:1]
                    assert [new.readers.aurora] == allowed, f"skipped a step: {before.readers} -> {new.readers}"
                if before.writer.aurora == 0 and new.writer.aurora > 0:
                    assert synced_here, "writes reached Aurora before the sequences were synced"
                if new == ON_PREM and before != ON_PREM and decision.label == "rolled-back":
                    assert self._rollback_allowed(trigger), "a rollback that loses Aurora's writes"
                self.records = new
            if isinstance(action, FenceWrites | models.LiftFence):
                (self.open.discard if isinstance(action, FenceWrites) else self.open.add)(action.side)
                self.fences_started = True
            if self.fences_started:
                assert self.open != {"onprem", "aurora"}, f"both databases open after {action!r}"
            state = logic.completed(state, action, {} if isinstance(action, FenceWrites) else [])
        if isinstance(trigger, Command) and trigger.name == "start-cutover":
            self.synced_this_cutover = False
        self.synced_this_cutover |= synced_here
        if not crash:
            self.state = state
        return decision

    def _rollback_allowed(self, trigger) -> bool:
        if self.state.writes_since is None and self.records.writer.aurora == 0:
            return True
        return self.reverse.status == "running" or (isinstance(trigger, Command) and trigger.force)

    @rule(gates_ok=st.booleans(), crash=st.booleans())
    def tick(self, gates_ok, crash):
        self.apply(Tick(f"tick-{next(_ids)}"), gates_ok, crash)

    @rule(minutes=st.sampled_from([1, 5, 16, 30]))
    def time_passes(self, minutes):
        self.clock.advance(minutes)

    @rule()
    def canary_runs_its_course(self):
        """Bake and healthy ticks until nothing moves any more: reaches the flip (and beyond) in one rule."""
        for _ in range(len(STEPS) + 2):
            self.clock.advance(self.settings.bake_minutes + 1)
            self.apply(Tick(f"tick-{next(_ids)}"), True)

    @rule(gates_ok=st.booleans())
    def start(self, gates_ok):
        self.apply(Command("start-cutover"), gates_ok)

    @rule(gates_ok=st.booleans(), crash=st.booleans())
    def flip(self, gates_ok, crash):
        self.apply(Command("flip"), gates_ok, crash)

    @rule(name=st.sampled_from(["pause", "resume"]))
    def operator(self, name):
        self.apply(Command(name))

    @rule(status=st.sampled_from(["running", "stopped", "failed"]))
    def reverse_task_changes(self, status):
        self.reverse = TaskStatus(status)

    @rule(which=st.sampled_from([FORWARD, REVERSE]),
          kind=st.sampled_from(["REPLICATION_TASK_FAILED", "REPLICATION_TASK_STOPPED", "REPLICATION_TASK_STARTED"]))
    def task_event(self, which, kind):
        event = TaskEvent(f"evt-{next(_ids)}", which, kind, "", None)
        self.events.append(event)
        self.apply(event)

    @rule(value=st.sampled_from(["ALARM", "OK"]))
    def alarm(self, value):
        event = models.AlarmEvent(f"alarm-{next(_ids)}", ALARM, value, "")
        self.events.append(event)
        self.apply(event)

    @precondition(lambda self: self.events)
    @rule(data=st.data())
    def redelivery_changes_nothing(self, data):
        event = data.draw(st.sampled_from(self.events))
        if event.event_id not in self.state.processed:
            return  # it was forgotten (bounded memory) or its decision crashed
        decision = decide(self.state, event, self.settings, now=self.clock(), observed=self.records,
                          gates=gates(True), reverse=self.reverse)
        repaired = logic.reconcile(self.state, self.records, self.settings, self.clock())  # after a crash, if any
        assert decision.actions == () and decision.state == repaired

    @rule(force=st.booleans())
    def rollback(self, force):
        decision = self.apply(Command("rollback", force=force))
        if decision is not None:
            assert self.records == ON_PREM and self.state.records == ON_PREM

    @invariant()
    def weights_are_sane(self):
        for records in (self.records, self.state.records):
            for weights in records:
                assert weights.onprem + weights.aurora == 100 and 0 <= weights.aurora <= 100
            assert records.readers.aurora in (0, *STEPS)

    @invariant()
    def the_writer_is_never_split_without_write_canary(self):
        if not self.settings.write_canary:
            assert self.records.writer in (ALL_ON_PREM, Weights(0, 100))

    @invariant()
    def the_next_decision_starts_from_the_records(self):
        """After any crash, what the controller decides next starts from what Route 53 holds: either it keeps
        the records, or it changes them from exactly there."""
        decision = decide(self.state, Tick(f"probe-{next(_ids)}"), self.settings, now=self.clock(),
                          observed=self.records, gates=gates(False), reverse=self.reverse)
        shifts = [a for a in decision.actions if isinstance(a, SetWeights)]
        if shifts:
            assert (shifts[0].previous, shifts[0].previous_readers) == tuple(self.records)
        else:
            assert decision.state.records == self.records


class WriteCanaryMachine(ControllerMachine):
    settings = WRITE_CANARY


TestControllerMachine = ControllerMachine.TestCase
TestControllerMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestWriteCanaryMachine = WriteCanaryMachine.TestCase
TestWriteCanaryMachine.settings = settings(max_examples=75, stateful_step_count=40, deadline=None)


def test_the_laws_catch_a_skipped_step(monkeypatch):
    """The laws against a decision that jumps straight to the last canary step."""
    monkeypatch.setattr(logic, "next_step", lambda settings_, aurora: 100 if aurora < 100 else None)
    machine = ControllerMachine()
    machine.start(gates_ok=True)
    with pytest.raises(AssertionError, match="skipped a step"):
        machine.tick(gates_ok=True, crash=False)


def test_the_laws_catch_a_flip_without_a_sequence_sync(monkeypatch):
    """The laws against a flip that forgets the sequence sync."""
    original = logic._cut_over

    def without_sync(state, settings_, now, reason):
        decision = original(state, settings_, now, reason)
        return decision._replace(actions=tuple(a for a in decision.actions if not isinstance(a, SyncSequences)))

    monkeypatch.setattr(logic, "_cut_over", without_sync)
    machine = ControllerMachine()
    machine.start(gates_ok=True)
    machine.canary_runs_its_course()
    with pytest.raises(AssertionError, match="before the sequences were synced"):
        machine.flip(gates_ok=True, crash=False)


def test_the_same_scenario_passes_without_the_bug():
    machine = ControllerMachine()
    machine.start(gates_ok=True)
    machine.canary_runs_its_course()
    machine.flip(gates_ok=True, crash=False)
    assert machine.records == Records(Weights(0, 100), Weights(0, 100)) and machine.synced_this_cutover


@given(aurora=st.sampled_from([0, 10, 50]), gates_ok=st.booleans(), minutes=st.integers(0, 60))
def test_a_tick_advances_the_readers_at_most_one_step_and_only_when_everything_holds(aurora, gates_ok, minutes):
    clock = Clock()
    state = State(phase=Phase.SHIFTING, readers=Weights.on_aurora(aurora), step_started_at=clock())
    clock.advance(minutes)
    decision = decide(state, Tick("t"), ONE_WRITER, now=clock(), observed=state.records, gates=gates(gates_ok))
    shifted = [a for a in decision.actions if isinstance(a, SetWeights)]
    baked = aurora == 0 or minutes >= ONE_WRITER.bake_minutes
    if gates_ok and baked:
        assert [(a.writer.aurora, a.readers.aurora) for a in shifted] == [(0, {0: 10, 10: 50, 50: 100}[aurora])]
    else:
        assert shifted == [] and decision.state == state


CONSISTENT = st.sampled_from([(Phase.REPLICATING, 0, 0), (Phase.ROLLED_BACK, 0, 0), (Phase.SHIFTING, 0, 0),
                               (Phase.SHIFTING, 0, 10), (Phase.SHIFTING, 0, 50), (Phase.HELD, 0, 10),
                               (Phase.AWAITING_FLIP, 0, 100), (Phase.CUT_OVER, 100, 100),
                               (Phase.ROLLING_BACK, 0, 50)])


def executed(decision) -> tuple[State, Records]:
    """What the service leaves behind: the records set, each action's outcome recorded."""
    state = decision.state
    for action in decision.actions:
        state = logic.completed(state, action, "job-1")
    records = next((a.records for a in decision.actions if isinstance(a, SetWeights)), state.records)
    return state, records


@given(triple=CONSISTENT, gates_ok=st.booleans())
def test_applying_the_same_tick_twice_equals_applying_it_once(triple, gates_ok):
    phase, writer, readers = triple
    state = State(phase=phase, writer=Weights.on_aurora(writer), readers=Weights.on_aurora(readers),
                  hold="operator" if phase is Phase.HELD else None)
    clock = Clock()
    once_state, records = executed(decide(state, Tick("same"), ONE_WRITER, now=clock(), observed=state.records,
                                          gates=gates(gates_ok)))
    twice = decide(once_state, Tick("same"), ONE_WRITER, now=clock(), observed=records, gates=gates(gates_ok))
    assert twice.actions == () and twice.state == once_state


def test_start_cutover_refused_while_a_gate_fails():
    with pytest.raises(CommandRefusedError, match="gates failing: all"):
        decide(State(), Command("start-cutover"), ONE_WRITER, now=Clock()(), observed=ON_PREM, gates=gates(False))


def test_reverse_task_failure_holds_and_never_rolls_back():
    state = State(phase=Phase.SHIFTING, readers=Weights(90, 10))
    decision = decide(state, TaskEvent("e", REVERSE, "REPLICATION_TASK_FAILED", "", None), ONE_WRITER,
                      now=Clock()(), observed=state.records)
    assert decision.state.phase is Phase.HELD and decision.state.hold == "task"
    assert not [a for a in decision.actions if isinstance(a, SetWeights)]


def test_crash_after_the_flip_is_repaired_to_cut_over_and_backs_up():
    state = State(phase=Phase.AWAITING_FLIP, readers=Weights(0, 100))
    decision = decide(state, Tick("t"), ONE_WRITER, now=Clock()(), observed=Records(Weights(0, 100), Weights(0, 100)),
                      gates=gates(True))
    assert decision.state.phase is Phase.CUT_OVER and decision.state.writer == Weights(0, 100)
    assert decision.state.writes_since is not None  # the records say writes are on Aurora
    assert [type(a).__name__ for a in decision.actions] == ["StartBackup"]


def test_rollback_from_rolling_back_is_retried_by_a_tick():
    state = replace(State(), phase=Phase.ROLLING_BACK, readers=Weights(50, 50))
    decision = decide(state, Tick("t"), ONE_WRITER, now=Clock()(), observed=state.records)
    assert [a.records for a in decision.actions if isinstance(a, SetWeights)] == [ON_PREM]
