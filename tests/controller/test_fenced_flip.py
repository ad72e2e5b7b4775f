"""The fenced flip and the fenced rollback end to end: emulated AWS, the fence function's own code answering
over two real PostgreSQL databases, and a stand-in replicator carrying the marker (or not)."""

from __future__ import annotations

import pytest
from moto import mock_aws

from tests.controller.walk import (
    MILESTONES,
    both,
    flip,
    labels,
    recorded_world,
    run_reader_canary,
    tick,
    ticks_to_the_flip,
)

FENCED = {"flip_mode": "fenced", "flip_catchup_seconds": 10}


@pytest.fixture
def fenced(monkeypatch):
    with mock_aws():
        yield recorded_world(monkeypatch, **FENCED)


def test_readers_then_a_fenced_flip_a_fenced_rollback_and_a_flip_again(fenced):
    w = fenced
    assert w.fence.writes("onprem") and w.fence.writes("aurora")  # before the cutover: nothing fenced
    run_reader_canary(w)
    assert w.state()["fenced"] == ["aurora"] and not w.fence.writes("aurora") and w.fence.writes("onprem")
    w.notices()

    result = flip(w, reason="CHG-2 flip")
    assert result["ok"] and result["phase"] == "cut-over", result
    state = w.state()
    assert state["fenced"] == ["onprem"] and both(w) == ((0, 100), (0, 100))
    assert not w.fence.writes("onprem") and w.fence.writes("aurora")
    pause = state["flip"]["write_pause_seconds"]
    assert 0 < pause < 10 and state["flip"]["caught_up_seconds"] is not None and state["flip"]["marker_at"]
    print(f"\nwrite pause (fence to Route 53 change accepted), emulated end to end: {pause:.3f} s")
    complete = next(n for n in w.notices(bodies=True) if n.startswith("Cutover complete"))
    assert f"write pause: {pause} s" in complete
    steps = state["flip"]["fence_steps_seconds"]  # timed by the fence function; the warm read precedes the close
    assert set(steps) == {"warm", "fence", "marker", "positions"}
    assert f"in the fence function: fence {steps['fence']} s, marker {steps['marker']} s, positions" in complete
    w.validation_clean(pending=1)
    status = w.handle({"command": "status"})
    assert status["fences"]["fenced"] == ["onprem"] and status["fences"]["expected"] == ["onprem"]
    assert status["fences"]["last_flip"]["write_pause_seconds"] == pause
    operations = [(r["operation"], r["side"]) for r in w.fence.requests if r["operation"] not in ("check", "query")]
    # The parked grants are given back directly after the names moved, never inside the pause.
    assert operations[-4:] == [("fence", "aurora"), ("fence", "onprem"), ("unfence", "aurora"), ("settle", "aurora")]
    assert "pending" not in status and not w.fence.held("aurora")

    rolled = w.handle({"command": "rollback", "reason": "CHG-3"})
    assert rolled["ok"] and rolled["phase"] == "rolled-back", rolled
    assert w.state()["fenced"] == ["aurora"] and both(w) == ((100, 0), (100, 0))
    assert w.fence.writes("onprem") and not w.fence.writes("aurora")
    assert w.state()["sequences"]["onprem_synced"]["count"] > 0

    w.validation_clean()
    again = w.handle({"command": "start-cutover", "reason": "CHG-4"})
    assert again["ok"], again
    ticks_to_the_flip(w)
    result = flip(w, reason="CHG-4 flip")
    assert result["ok"] and result["phase"] == "cut-over" and w.state()["fenced"] == ["onprem"], result


def test_a_catch_up_that_never_comes_undoes_the_flip(fenced):
    w = fenced
    run_reader_canary(w)
    w.fence.replicating = False
    result = flip(w, reason="CHG-5")
    assert result["ok"] is False and result["phase"] == "awaiting-flip", result
    assert any("not on aurora after 10 s" in p for p in result["problems"]), result["problems"]
    state = w.state()
    assert state["fenced"] == ["aurora"] and both(w) == ((100, 0), (0, 100)) and state["pending"] == []
    assert w.fence.writes("onprem") and not w.fence.writes("aurora")  # on-prem writable again, nothing else
    assert "Flip not completed" in w.notices()
    # The same warm function then rolls the readers back: no fenced flip happened, so no write pause is recorded.
    rolled = w.handle({"command": "rollback", "reason": "CHG-5 back"})
    assert rolled["ok"] and "write_pause_seconds" not in (w.state()["flip"] or {}), w.state()["flip"]


def test_a_fence_function_that_cannot_answer_refuses_the_flip_and_changes_nothing(fenced):
    w = fenced
    run_reader_canary(w)
    w.fence.down = True
    result = flip(w, reason="CHG-6")
    assert result["ok"] is False and "fence ready on onprem" in result["error"], result
    w.fence.down = False
    assert w.state()["fenced"] == ["aurora"] and w.fence.writes("onprem")


def test_status_measures_a_fence_lifted_by_hand(fenced):
    """Someone lifted Aurora's fence by hand during the canary: the checkpoint cannot know, status measures it."""
    w = fenced
    run_reader_canary(w)
    w.validation_clean(pending=1)
    before = w.handle({"command": "status"})
    gate = next(g for g in before["gates"] if g["name"].startswith("fence ready on aurora"))
    assert "fenced_now=True" in gate["measured"] and "lift_memberships=1 lift_per_table=0" in gate["measured"]
    w.fence.fence.unfence("aurora")
    state = w.state()
    assert w.fence.writes("aurora") and state["fenced"] == ["aurora"]  # the controller cannot see a hand edit...
    w.validation_clean(pending=1)
    checked = w.handle({"command": "status"})
    gate = next(g for g in checked["gates"] if g["name"].startswith("fence ready on aurora"))
    assert "fenced_now=False" in gate["measured"]  # ...but status measures it


def test_unfence_is_a_recorded_last_resort_that_the_ticks_respect_until_the_flip(fenced):
    w = fenced
    run_reader_canary(w)
    refused = w.handle({"command": "unfence", "side": "aurora", "reason": "INC-7 debugging"})
    assert refused["ok"] is False and "both databases would take writes" in refused["error"]
    assert w.handle({"command": "unfence", "side": "aurora"})["error"].startswith("reason: unfence needs a reason")
    assert not w.fence.writes("aurora")
    lifted = w.handle({"command": "unfence", "side": "aurora", "reason": "INC-7 debugging", "force": True})
    assert lifted["ok"] and lifted["outcome"] == "unfenced", lifted
    assert w.fence.writes("aurora") and w.state()["fenced"] == [] and "INC-7" in w.state()["fence_override"]
    assert "Fence lifted by hand" in w.notices()
    tick(w, 1)
    assert w.fence.writes("aurora")  # not repaired behind the operator's back
    result = flip(w, reason="CHG-8")
    assert result["ok"] and w.state()["fenced"] == ["onprem"] and w.state()["fence_override"] is None, result


def test_a_fence_step_that_fails_outside_a_flip_is_repaired_by_a_later_tick(fenced):
    """start-cutover cannot fence Aurora (the function is down for that call): the cutover starts, a notice
    says Aurora is not fenced, and the next tick fences it."""
    w = fenced
    w.validation_clean()
    w.fence.failing = {"fence"}
    started = w.handle({"command": "start-cutover", "reason": "CHG-9"})
    assert started["phase"] == "shifting" and w.state()["fenced"] == [] and w.fence.writes("aurora"), started
    assert "Fence step failed" in w.notices()
    w.fence.failing = set()
    repaired = tick(w, 1)
    assert repaired["ok"] and w.state()["fenced"] == ["aurora"] and not w.fence.writes("aurora"), repaired


FENCE_OPERATIONS = ("check", "fence", "marker", "query", "unfence", "settle")


@pytest.mark.slow
@pytest.mark.parametrize(("operation", "kind"), zip(FENCE_OPERATIONS, ("throttling", "5xx", "timeout", "throttling",
                                                                      "5xx", "timeout"), strict=True))
def test_one_failed_fence_call_leaves_one_writable_side_and_the_run_completes(monkeypatch, operation, kind):
    """Each of the fence function's operations fails once (the invocation itself: throttled, a 5xx, a timeout);
    the run still ends rolled back with exactly on-prem writable, nothing pending, every milestone kept."""
    import json

    from tests.controller.test_fault_table import FAULTS, full_run

    with mock_aws():
        w = recorded_world(monkeypatch, **FENCED)
        for _ in range(3):
            w.expect_backup()
        fired = {"done": False}

        def fail(params, **_):
            if not fired["done"] and json.loads(params["Payload"])["operation"] == operation:
                fired["done"] = True
                raise FAULTS[kind]("Invoke")

        w.clients["lambda"].meta.events.register("provide-client-params.lambda.Invoke", fail)
        full_run(w)
        assert fired["done"], operation
        state = w.state()
        assert state["phase"] == "rolled-back" and state["pending"] == [] and state["fenced"] == ["aurora"], state
        assert w.fence.writes("onprem") and not w.fence.writes("aurora")
        assert labels(w) >= MILESTONES and state["restore"]["cluster_id"]


class Crash(BaseException):
    """The invocation dies (a timeout, an out-of-memory kill): nothing after this point runs."""


def test_an_invocation_that_dies_between_fence_and_flip_is_undone_by_the_next_one(fenced):
    w = fenced
    run_reader_canary(w)

    def die(params, **_):
        if "cutover_marker" in params["sql"]:  # the catch-up's first look at Aurora: on-prem is fenced by now
            raise Crash

    w.clients["rds-data"].meta.events.register_first("before-parameter-build.rds-data.ExecuteStatement", die)
    w.validation_clean(pending=3)
    w.latency(2)
    with pytest.raises(Crash):
        w.handle({"command": "flip", "reason": "CHG-11"})
    w.clients["rds-data"].meta.events.unregister("before-parameter-build.rds-data.ExecuteStatement", die)
    assert [p["type"] for p in w.state()["pending"]][:4] == ["FenceWrites", "SyncSequences", "FenceWrites",
                                                             "AwaitMarker"]
    assert not w.fence.writes("onprem") and not w.fence.writes("aurora")  # the pause: nobody writes
    after = tick(w, 1)
    state = w.state()
    assert state["pending"] == [] and state["phase"] == "awaiting-flip" and state["fenced"] == ["aurora"], after
    assert w.fence.writes("onprem") and not w.fence.writes("aurora") and both(w) == ((100, 0), (0, 100))
    assert "Flip not completed" in w.notices()


COLUMN_SEQUENCES = """
SELECT DISTINCT format('%I.%I', n.nspname, c.relname) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
WHERE c.relkind = 'S' AND n.nspname = 'public'
"""


def test_a_forced_rollback_after_writes_on_aurora_hands_out_no_id_twice(fenced):
    """Aurora issues ids after the flip, the reverse task is down, the operator forces the rollback: none of
    Aurora's rows reach on-prem, yet on-prem's sequences land past every id Aurora issued."""
    import psycopg

    from tests.pg import last_values

    w = fenced
    run_reader_canary(w)
    assert flip(w, reason="CHG-2 flip")["ok"]
    with psycopg.connect(w.fence.dsns["aurora"], autocommit=True) as aurora:
        sequences = [row[0] for row in aurora.execute(COLUMN_SEQUENCES).fetchall()]
        for name in sequences:  # the application's inserts on Aurora after the flip
            aurora.execute("SELECT nextval(%s) FROM generate_series(1, 50)", (name,))
    assert sequences
    w.task("reverse").status = "stopped"
    w.fence.replicating = False
    refused = w.handle({"command": "rollback", "reason": "CHG-3"})
    assert not refused["ok"] and "reverse task is stopped" in refused["error"], refused
    rolled = w.handle({"command": "rollback", "reason": "CHG-3 forced", "force": True})
    assert rolled["ok"] and rolled["phase"] == "rolled-back", rolled
    issued, onprem = last_values(w.fence.dsns["aurora"]), last_values(w.fence.dsns["onprem"])
    for name in sequences:
        assert onprem[name] is not None and onprem[name] > issued[name], (name, onprem[name], issued[name])
    notice = next(n for n in w.notices(bodies=True) if n.startswith("Rolled back to on-prem"))
    assert "past every id Aurora issued" in notice


def test_ddl_in_progress_on_onprem_refuses_the_flip_by_name_and_changes_nothing(fenced):
    import psycopg

    w = fenced
    run_reader_canary(w)
    with psycopg.connect(w.fence.dsns["onprem"], autocommit=True) as migration:
        migration.execute("BEGIN")
        migration.execute("LOCK TABLE public.ledger IN ACCESS EXCLUSIVE MODE")  # an ALTER TABLE under way
        refused = flip(w, reason="CHG-12")
        assert not refused["ok"] and "no DDL in progress on onprem" in refused["error"], refused
        assert "on public.ledger" in refused["error"]
        assert w.state()["phase"] == "awaiting-flip" and w.state()["fenced"] == ["aurora"]
        migration.execute("ROLLBACK")
    assert w.fence.writes("onprem")  # nothing was fenced
    done = flip(w, reason="CHG-12")
    assert done["ok"] and done["phase"] == "cut-over", done


def test_ddl_on_onprem_that_dms_did_not_carry_refuses_the_flip_by_name_and_status_shows_it(fenced):
    """A column added on on-prem during CDC that never reached Aurora: the flip is refused, naming the table and
    the column, nothing is fenced; once Aurora has it too, the flip goes."""
    import psycopg

    w = fenced
    run_reader_canary(w)
    with psycopg.connect(w.fence.dsns["onprem"], autocommit=True) as onprem:
        onprem.execute("ALTER TABLE public.ledger ADD COLUMN memo text")
    w.validation_clean(pending=1)
    status = w.handle({"command": "status"})
    row = next(g for g in status["gates"] if g["name"].startswith("Aurora's schema"))
    assert not row["ok"] and "table public.ledger: 'column memo text' on onprem only" in row["measured"], row
    refused = flip(w, reason="CHG-13")
    assert not refused["ok"] and "column memo text" in refused["error"], refused
    assert w.state()["phase"] == "awaiting-flip" and w.fence.writes("onprem")
    with psycopg.connect(w.dsn, autocommit=True) as aurora:
        aurora.execute("ALTER TABLE public.ledger ADD COLUMN memo text")
    done = flip(w, reason="CHG-13")
    assert done["ok"] and done["phase"] == "cut-over", done


def test_the_write_pause_is_read_from_the_flips_own_checkpointed_fence():
    """Only the change that moves the writer where this flip goes is timed, from the fence the checkpoint
    recorded for the flip's token; a canary step, a second change, or a change after the flip was abandoned
    records nothing, whatever the process remembers."""
    from datetime import UTC, datetime, timedelta

    from cutover import logic
    from cutover.models import ALL_ON_AURORA, ALL_ON_PREM, FenceWrites, SetWeights, State, Weights

    fenced_at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    flip_state = State(flip={"token": "flip-9", "direction": "to-aurora"})
    fence = FenceWrites("onprem", "flip-9", True, True)
    state = logic.completed(flip_state, fence, {"fenced_at": fenced_at.isoformat(),
                                                "fence_started_at": fenced_at.isoformat(), "marker_at": "x"})
    assert state.flip["fence_started_at"] == fenced_at.isoformat()
    other = logic.completed(flip_state, FenceWrites("onprem", "flip-8", True, True),
                            {"fenced_at": "x", "fence_started_at": fenced_at.isoformat()})
    assert "fence_started_at" not in other.flip  # another flip's fence is not this one's

    to_aurora = SetWeights(ALL_ON_AURORA, ALL_ON_AURORA, ALL_ON_PREM, ALL_ON_AURORA)
    later = fenced_at + timedelta(seconds=1.25)
    assert logic.completed(state, to_aurora, now=later).flip["write_pause_seconds"] == 1.25
    canary = SetWeights(ALL_ON_PREM, Weights(50, 50), ALL_ON_PREM, ALL_ON_PREM)
    assert "write_pause_seconds" not in logic.completed(state, canary, now=later).flip
    timed = logic.completed(state, to_aurora, now=later)
    assert logic.completed(timed, to_aurora, now=later + timedelta(hours=1)).flip["write_pause_seconds"] == 1.25
    abandoned = State(flip={**state.flip, "abandoned_at": later.isoformat()})
    assert "write_pause_seconds" not in logic.completed(abandoned, to_aurora, now=later).flip
    unfenced = State(flip={"token": "flip-9", "direction": "to-aurora"})
    assert "write_pause_seconds" not in logic.completed(unfenced, to_aurora, now=later).flip


def test_the_write_pause_starts_at_the_close_not_at_the_read_before_it(fenced, monkeypatch):
    """The fence call first reads every sequence while writes still flow; the pause is timed from the close, so a
    slow read there (held here for 5 s) is not counted in it, and the read's time is recorded beside it."""
    import time

    from shared import sequences

    w = fenced
    run_reader_canary(w)
    read = sequences.read_positions

    def slow_before_the_close(query, schemas, names=None):
        if names is None:  # the named read: the one before the close (the final read is by oid)
            time.sleep(5)
        return read(query, schemas, names)

    monkeypatch.setattr(sequences, "read_positions", slow_before_the_close)
    result = flip(w, reason="CHG-5 flip")
    assert result["ok"] and result["phase"] == "cut-over", result
    recorded = w.state()["flip"]
    assert recorded["fence_steps_seconds"]["warm"] >= 5 and 0 < recorded["write_pause_seconds"] < 5, recorded
