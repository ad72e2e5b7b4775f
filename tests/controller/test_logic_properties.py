"""The controller's laws, over random interleavings of ticks, events, commands, clock jumps and crashes."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from cutover import logic
from cutover.gates import Gate
from cutover.logic import CommandRefusedError, decide
from cutover.models import (
    ALL_ON_PREM,
    AlarmEvent,
    Command,
    Phase,
    SetWeights,
    State,
    TaskEvent,
    Tick,
    Weights,
)
from cutover.settings import Settings
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.controller.fakes import FORWARD, REVERSE, Clock, environment

SETTINGS = Settings.from_env(environment())
ALARM = SETTINGS.lag_alarm_names[1]
_ids = itertools.count()


def gates(ok: bool) -> list[Gate]:
    return [Gate("all", ok, "measured")]


def percent(state: State) -> int:
    return state.weights.aurora


class ControllerMachine(RuleBasedStateMachine):
    """The records are simulated as Route 53 would hold them; a crash applies a weight change to the
    records but loses the checkpoint write."""

    def __init__(self):
        super().__init__()
        self.clock = Clock()
        self.state = State()
        self.records = ALL_ON_PREM
        self.events: list = []

    def apply(self, trigger, gates_ok: bool = True, crash: bool = False):
        before_records = self.records
        try:
            decision = decide(self.state, trigger, SETTINGS, now=self.clock(), observed=self.records,
                              gates=gates(gates_ok))
        except CommandRefusedError:
            return None
        state = decision.state
        for action in decision.actions:
            if isinstance(action, SetWeights):
                new = action.weights
                # Laws on every shift: one step at a time, only with gates passing.
                if new.aurora > before_records.aurora:
                    assert gates_ok or isinstance(trigger, Command), "shifted while a gate failed"
                    allowed = [p for p in SETTINGS.canary_steps if p > before_records.aurora][:1]
                    assert [new.aurora] == allowed, f"skipped a step: {before_records.aurora} -> {new.aurora}"
                self.records = new
            state = logic.completed(state, action, "job-1")  # what the service records once an action is done
        if not crash:
            self.state = state
        return decision

    @rule(gates_ok=st.booleans(), crash=st.booleans())
    def tick(self, gates_ok, crash):
        self.apply(Tick(f"tick-{next(_ids)}"), gates_ok, crash)

    @rule(minutes=st.sampled_from([1, 5, 16, 30]))
    def time_passes(self, minutes):
        self.clock.advance(minutes)

    @rule(gates_ok=st.booleans())
    def start(self, gates_ok):
        self.apply(Command("start-cutover"), gates_ok)

    @rule(name=st.sampled_from(["pause", "resume"]))
    def operator(self, name):
        self.apply(Command(name))

    @rule(which=st.sampled_from([FORWARD, REVERSE]),
          kind=st.sampled_from(["REPLICATION_TASK_FAILED", "REPLICATION_TASK_STOPPED", "REPLICATION_TASK_STARTED"]))
    def task_event(self, which, kind):
        event = TaskEvent(f"evt-{next(_ids)}", which, kind, "", None)
        self.events.append(event)
        self.apply(event)

    @rule(value=st.sampled_from(["ALARM", "OK"]))
    def alarm(self, value):
        event = AlarmEvent(f"alarm-{next(_ids)}", ALARM, value, "")
        self.events.append(event)
        self.apply(event)

    @precondition(lambda self: self.events)
    @rule(data=st.data())
    def redelivery_changes_nothing(self, data):
        event = data.draw(st.sampled_from(self.events))
        if event.event_id not in self.state.processed:
            return  # it was forgotten (bounded memory) or its decision crashed
        decision = decide(self.state, event, SETTINGS, now=self.clock(), observed=self.records, gates=gates(True))
        repaired = logic.reconcile(self.state, self.records, SETTINGS, self.clock())  # after a crash, if any
        assert decision.actions == () and decision.state == repaired

    @rule()
    def rollback_is_always_possible(self):
        decision = self.apply(Command("rollback"))
        assert decision is not None
        assert self.records == ALL_ON_PREM and self.state.weights == ALL_ON_PREM

    @invariant()
    def weights_are_sane(self):
        for weights in (self.records, self.state.weights):
            assert weights.onprem + weights.aurora == 100
            assert not (weights.onprem == 0 and weights.aurora == 0)
            assert weights.aurora == 0 or weights.aurora in SETTINGS.canary_steps

    @invariant()
    def next_decision_follows_the_records(self):
        repaired = logic.reconcile(self.state, self.records, SETTINGS, self.clock())
        assert repaired.weights == self.records


TestControllerMachine = ControllerMachine.TestCase
TestControllerMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)


@given(aurora=st.sampled_from([0, 10, 50]), gates_ok=st.booleans(), minutes=st.integers(0, 60))
def test_a_tick_advances_at_most_one_step_and_only_when_everything_holds(aurora, gates_ok, minutes):
    clock = Clock()
    state = State(phase=Phase.SHIFTING, weights=Weights.on_aurora(aurora), step_started_at=clock())
    clock.advance(minutes)
    decision = decide(state, Tick("t"), SETTINGS, now=clock(), observed=state.weights, gates=gates(gates_ok))
    shifted = [a for a in decision.actions if isinstance(a, SetWeights)]
    baked = aurora == 0 or minutes >= SETTINGS.bake_minutes
    if gates_ok and baked:
        assert [a.weights.aurora for a in shifted] == [{0: 10, 10: 50, 50: 100}[aurora]]
    else:
        assert shifted == [] and decision.state == state


CONSISTENT = st.sampled_from([(Phase.REPLICATING, 0), (Phase.READY, 0), (Phase.ROLLED_BACK, 0),
                               (Phase.SHIFTING, 0), (Phase.SHIFTING, 10), (Phase.SHIFTING, 50), (Phase.HELD, 10),
                               (Phase.HELD, 50), (Phase.CUT_OVER, 100), (Phase.ROLLING_BACK, 50)])


def executed(decision) -> tuple[State, Weights]:
    """What the service leaves behind: the record weights set, the backup job id recorded."""
    state = decision.state
    for action in decision.actions:
        state = logic.completed(state, action, "job-1")
    weights = next((a.weights for a in decision.actions if isinstance(a, SetWeights)), state.weights)
    return state, weights


@given(pair=CONSISTENT, gates_ok=st.booleans())
def test_applying_the_same_tick_twice_equals_applying_it_once(pair, gates_ok):
    phase, aurora = pair
    state = State(phase=phase, weights=Weights.on_aurora(aurora), hold="operator" if phase is Phase.HELD else None)
    clock = Clock()
    once_state, records = executed(decide(state, Tick("same"), SETTINGS, now=clock(), observed=state.weights,
                                          gates=gates(gates_ok)))
    twice = decide(once_state, Tick("same"), SETTINGS, now=clock(), observed=records, gates=gates(gates_ok))
    assert twice.actions == () and twice.state == once_state


def test_start_cutover_refused_while_a_gate_fails():
    with pytest.raises(CommandRefusedError, match="gates failing: all"):
        decide(State(), Command("start-cutover"), SETTINGS, now=Clock()(), observed=ALL_ON_PREM, gates=gates(False))


def test_reverse_task_failure_holds_and_never_rolls_back():
    state = State(phase=Phase.SHIFTING, weights=Weights(90, 10))
    decision = decide(state, TaskEvent("e", REVERSE, "REPLICATION_TASK_FAILED", "", None), SETTINGS,
                      now=Clock()(), observed=state.weights)
    assert decision.state.phase is Phase.HELD and decision.state.hold == "task"
    assert not [a for a in decision.actions if isinstance(a, SetWeights)]


def test_crash_after_the_final_shift_is_repaired_to_cut_over_and_backs_up():
    state = State(phase=Phase.SHIFTING, weights=Weights(50, 50))
    decision = decide(state, Tick("t"), SETTINGS, now=Clock()(), observed=Weights(0, 100), gates=gates(True))
    assert decision.state.phase is Phase.CUT_OVER and decision.state.weights == Weights(0, 100)
    assert [type(a).__name__ for a in decision.actions] == ["StartBackup"]


def test_rollback_from_rolling_back_is_retried_by_a_tick():
    state = replace(State(), phase=Phase.ROLLING_BACK, weights=Weights(50, 50))
    decision = decide(state, Tick("t"), SETTINGS, now=Clock()(), observed=Weights(50, 50))
    assert [a.weights for a in decision.actions if isinstance(a, SetWeights)] == [ALL_ON_PREM]
