"""The fenced cutover's laws, over random interleavings that stop in the middle of any action list, fail any
fence step, move the records by hand and lift a fence by hand.

Each invocation runs as the service runs it: a crash leaves the intent (the decision's state with every action
pending) and the next invocation completes it first, not fresh; a failed action goes through the one failure
policy (`logic.recover`); ticks decide on the fences as measured (the databases), not as remembered. The laws,
stated without the implementation's help:
- no action of the controller makes both databases writable;
- a side opens only once every write the other side may have taken since this side was fenced has arrived:
  the other side fenced, a marker written there after its fence, that marker seen on this side, this side's
  sequences synced after it (an operator's unfence, or a rollback forced past a stopped reverse task, excepted);
- once replication works and nothing fails, ticks bring the fences to the writer name: the one open side is the
  one it points to, or the state says why not (a fence left by hand, a held repair).
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from cutover import logic, models
from cutover.gates import Gate, TaskStatus
from cutover.logic import CommandRefusedError, decide
from cutover.models import (
    ALL_ON_AURORA,
    ALL_ON_PREM,
    SIDES,
    AwaitMarker,
    CatchUpSequences,
    Command,
    FenceWrites,
    LiftFence,
    State,
    SyncOnpremSequences,
    SyncSequences,
    Tick,
    Weights,
)
from cutover.settings import Settings
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from tests.controller.fakes import Clock, environment

FENCED = Settings.from_env(environment(flip_mode="fenced"))
ON_PREM = models.Records(ALL_ON_PREM, ALL_ON_PREM)
_ids = itertools.count()


def other(side: str) -> str:
    return "aurora" if side == "onprem" else "onprem"


class StepFailedError(RuntimeError):
    pass


class FencedCutover(RuleBasedStateMachine):
    settings = FENCED

    def __init__(self):
        super().__init__()
        self.clock, self.state, self.records, self.reverse = Clock(), State(), ON_PREM, TaskStatus("running")
        self.open = set(SIDES)  # what the databases let a role outside the allowlist write
        self.marker: dict[str, str | None] = dict.fromkeys(SIDES)  # a marker written after the side's fence
        self.dirty = dict.fromkeys(SIDES, False)  # the other side was open since this side was fenced
        self.caught_up = dict.fromkeys(SIDES, False)
        self.synced = dict.fromkeys(SIDES, False)
        self.replicating = True
        self.failing: set[type] = set()  # fence steps that fail while named here
        self.forced_unfence = False

    # The world's side of each action --------------------------------------------------------------------

    def _fence(self, side: str, token: str) -> None:
        if side in self.open:
            self.open.discard(side)
            self.dirty[side] = other(side) in self.open
            self.caught_up[side] = self.synced[side] = False
        if token:
            self.marker[side] = token

    def _opened(self, side: str, exempt: bool) -> None:
        if side in self.open:
            return
        if self.dirty[side] and not exempt:
            assert self.caught_up[side] and self.synced[side], \
                f"{side} opened before {other(side)}'s writes arrived (caught up {self.caught_up[side]}, synced " \
                f"{self.synced[side]})"
        self.open.add(side)
        self.marker[side] = None
        if other(side) not in self.open:
            self.dirty[other(side)] = True
            self.caught_up[other(side)] = self.synced[other(side)] = False

    def _perform(self, action, state: State, fresh: bool, exempt: bool) -> object:
        if isinstance(action, FenceWrites | LiftFence | AwaitMarker | SyncSequences | SyncOnpremSequences
                      | CatchUpSequences) \
                and type(action) in self.failing:
            raise StepFailedError(f"{type(action).__name__} failed")
        if isinstance(action, models.SetWeights):
            if self.records == action.records and not fresh:
                return None
            if not fresh and state.phase is not models.Phase.ROLLING_BACK:
                raise StepFailedError("found unconfirmed")
            self.records = action.records
        elif isinstance(action, FenceWrites):
            if action.token and not fresh:
                raise StepFailedError("fence found unconfirmed")
            self._fence(action.side, action.token)
            return {}
        elif isinstance(action, LiftFence):
            if action.layer != "connect":
                self._opened(action.side, exempt)
        elif isinstance(action, AwaitMarker):
            if not fresh or not self.replicating:
                raise StepFailedError("marker not seen")
            if self.marker.get(other(action.side)) == action.token and other(action.side) not in self.open:
                self.caught_up[action.side], self.synced[action.side] = True, False
            return 0.5
        elif isinstance(action, SyncSequences | SyncOnpremSequences | CatchUpSequences):
            if not fresh:
                raise StepFailedError("sync found unconfirmed")
            side = action.side if isinstance(action, CatchUpSequences) else \
                "aurora" if isinstance(action, SyncSequences) else "onprem"
            self.synced[side] = self.caught_up[side]
            return {} if isinstance(action, SyncOnpremSequences | CatchUpSequences) else []
        return None

    def _run(self, state: State, actions: tuple, fresh: bool, exempt: bool, crash_after: int | None) -> State:
        """The service's loop: perform, or recover through the failure policy; a crash stops it dead."""
        queue, done, kept, performed = list(actions), state, [], 0
        while queue:
            if crash_after is not None and performed == crash_after:
                raise _Crash
            action = queue.pop(0)
            both_before = self.open == set(SIDES)
            try:
                outcome = self._perform(action, done, fresh, exempt)
            except StepFailedError as error:
                recovery = logic.recover(done, action, tuple(queue), str(error), self.settings, self.clock(),
                                         self.records, fresh=fresh)
                done, queue = recovery.state, list(recovery.queue)
                kept += recovery.kept
                if recovery.stop:
                    break
                continue
            finally:
                performed += 1
                assert both_before or self.open != set(SIDES) or self.forced_unfence, \
                    f"both databases writable after {action!r}"
            done = logic.completed(done, action, outcome)
        return _with_pending(done, kept)

    def invoke(self, trigger, gates_ok: bool = True, crash_after: int | None = None) -> None:
        exempt = isinstance(trigger, Command) and (trigger.name == "unfence" or trigger.force)
        # An operator's unfence with force may open both (its refusal without force is the controller's part).
        self.forced_unfence = isinstance(trigger, Command) and trigger.name == "unfence" and trigger.force
        state = self.state
        if state.pending:  # an earlier invocation died: its intent is completed first, not fresh
            actions = tuple(models.action_of(p) for p in state.pending)
            state = self._run(_with_pending(state, []), actions, False, False, None)
        expected = logic.expected_fences(state)
        measuring = isinstance(trigger, Tick | Command)  # as the service measures: ticks and commands
        measured = tuple(s for s in SIDES if s not in self.open) if measuring and expected is not None \
            and not state.pending and not state.fence_override else None
        try:
            decision = decide(state, trigger, self.settings, now=self.clock(), observed=self.records,
                              gates=[Gate("all", gates_ok, "measured")], reverse=self.reverse, fences=measured)
        except CommandRefusedError:
            self.state = state
            return
        intent = _with_pending(decision.state, [*(models.action_of(p) for p in decision.state.pending),
                                                *decision.actions])
        try:
            self.state = self._run(decision.state, decision.actions, True, exempt, crash_after)
        except _Crash:
            self.state = intent

    # Rules --------------------------------------------------------------------------------------------

    @rule(gates_ok=st.booleans(), crash_after=st.one_of(st.none(), st.integers(0, 8)))
    def tick(self, gates_ok, crash_after):
        self.invoke(Tick(f"tick-{next(_ids)}"), gates_ok, crash_after)

    @rule()
    def canary_runs_its_course(self):
        for _ in range(5):
            self.clock.advance(self.settings.bake_minutes + 1)
            self.invoke(Tick(f"tick-{next(_ids)}"))

    @rule(crash_after=st.one_of(st.none(), st.integers(0, 3)))
    def start(self, crash_after):
        self.invoke(Command("start-cutover"), True, crash_after)

    @rule(crash_after=st.one_of(st.none(), st.integers(0, 8)))
    def flip(self, crash_after):
        self.invoke(Command("flip"), True, crash_after)

    @rule(force=st.booleans(), crash_after=st.one_of(st.none(), st.integers(0, 8)))
    def rollback(self, force, crash_after):
        self.invoke(Command("rollback", force=force), True, crash_after)

    @rule(name=st.sampled_from(["pause", "resume"]))
    def operator(self, name):
        self.invoke(Command(name))

    @rule(side=st.sampled_from(SIDES), force=st.booleans())
    def unfence_command(self, side, force):
        self.invoke(Command("unfence", side=side, reason="INC-1 by hand", force=force))

    @rule(status=st.sampled_from(["running", "stopped"]))
    def reverse_task_changes(self, status):
        self.reverse = TaskStatus(status)

    @rule(replicating=st.booleans())
    def replication(self, replicating):
        self.replicating = replicating

    @rule(steps=st.sets(st.sampled_from([FenceWrites, LiftFence, AwaitMarker, SyncSequences, SyncOnpremSequences,
                                         CatchUpSequences])))
    def fence_steps_fail(self, steps):
        self.failing = set(steps)

    @rule(side=st.sampled_from(SIDES))
    def fence_lifted_by_hand(self, side):
        """`SELECT cutover_fence.unfence()` typed by someone: no controller action, no law applies to it."""
        self.open.add(side)
        self.marker[side] = None
        self.dirty[other(side)] = other(side) not in self.open or self.dirty[other(side)]
        self.caught_up[other(side)] = self.synced[other(side)] = False

    @rule(writer=st.sampled_from([ALL_ON_PREM, ALL_ON_AURORA]))
    def records_moved_by_hand(self, writer):
        self.records = models.Records(writer, writer)

    @rule()
    def settle(self):
        """Replication works, nothing fails, a few ticks pass: the fences follow the writer name, or the state
        says why not."""
        self.replicating, self.failing = True, set()
        for _ in range(3):
            self.clock.advance(1)
            self.invoke(Tick(f"tick-{next(_ids)}"), False)
        state = self.state
        if state.phase is models.Phase.REPLICATING or state.pending or state.fence_override \
                or self.records.writer not in (ALL_ON_PREM, ALL_ON_AURORA):
            return
        open_side = "aurora" if self.records.writer == ALL_ON_AURORA else "onprem"
        assert self.open == {open_side}, (self.records.writer, self.open, state.reason)


class _Crash(Exception):  # noqa: N818 - a control-flow signal, not an error
    pass


def _with_pending(state: State, actions) -> State:
    return dataclasses.replace(state, pending=tuple(models.action_record(a) for a in actions))


TestFencedCutover = FencedCutover.TestCase
TestFencedCutover.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)


def _walk_to_flip() -> FencedCutover:
    machine = FencedCutover()
    machine.start(crash_after=None)
    machine.canary_runs_its_course()
    return machine


def test_the_laws_catch_a_flip_that_opens_aurora_before_fencing_onprem(monkeypatch):
    original = logic._fenced_flip

    def reordered(state, settings_, now, reason):
        decision = original(state, settings_, now, reason)
        lift = [a for a in decision.actions if isinstance(a, LiftFence)]
        return decision._replace(actions=(*lift, *(a for a in decision.actions if not isinstance(a, LiftFence))))

    monkeypatch.setattr(logic, "_fenced_flip", reordered)
    with pytest.raises(AssertionError, match="opened before onprem's writes arrived"):
        _walk_to_flip().flip(crash_after=None)


def test_the_laws_catch_a_rollback_that_forgets_to_fence_aurora(monkeypatch):
    original = logic._rollback

    def unfenced(state, why, now, settings_, **kwargs):
        decision = original(state, why, now, settings_, **kwargs)
        return decision._replace(actions=tuple(a for a in decision.actions if not isinstance(a, FenceWrites)))

    monkeypatch.setattr(logic, "_rollback", unfenced)
    machine = _walk_to_flip()
    machine.flip(crash_after=None)
    with pytest.raises(AssertionError, match=r"both databases writable|opened before aurora's writes arrived"):
        machine.rollback(force=False, crash_after=None)


def test_the_laws_catch_a_repair_that_opens_without_the_catch_up(monkeypatch):
    """A repair that lifts the side the writer name points to without waiting for the other side's marker."""
    monkeypatch.setattr(logic, "mirror", lambda state, settings_, now, to_open, prefix: [
        FenceWrites(other(to_open), close=logic.must_close(state, other(to_open))), LiftFence(to_open)])
    machine = _walk_to_flip()
    machine.flip(crash_after=None)
    machine.records_moved_by_hand(ALL_ON_PREM)  # the writer name pointed back at on-prem by hand
    with pytest.raises(AssertionError, match="onprem opened before aurora's writes arrived"):
        machine.tick(gates_ok=False, crash_after=None)


def test_the_laws_catch_a_failure_policy_that_retries_a_lift_blindly(monkeypatch):
    """A policy that keeps every failed step and performs the rest anyway (no undo, no hold)."""
    monkeypatch.setattr(logic, "recover", lambda state, failed, queue, *_, **__: logic.Recovery(state, queue))
    machine = _walk_to_flip()
    machine.replication(False)
    with pytest.raises(AssertionError, match="opened before"):
        machine.flip(crash_after=None)


def test_the_laws_catch_a_tick_that_trusts_the_checkpoint_over_the_measurement(monkeypatch):
    import tests.controller.test_fence_laws as laws

    monkeypatch.setattr(laws, "decide", lambda *args, fences=None, **kwargs: logic.decide(*args, **kwargs))
    machine = _walk_to_flip()
    machine.flip(crash_after=None)
    machine.fence_lifted_by_hand("onprem")
    with pytest.raises(AssertionError):
        machine.settle()


def test_a_held_repair_says_why_and_opens_nothing():
    machine = _walk_to_flip()
    machine.flip(crash_after=None)
    machine.records_moved_by_hand(ALL_ON_PREM)  # someone pointed the writer name back at on-prem
    machine.replication(False)
    machine.tick(gates_ok=False, crash_after=None)
    assert machine.open == set() and "held" in (machine.state.fence_override or ""), machine.state
    assert Weights(100, 0) == machine.records.writer
