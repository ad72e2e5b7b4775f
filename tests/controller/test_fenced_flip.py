"""The fenced flip and the fenced rollback end to end: emulated AWS, the fence function's own code answering
over two real PostgreSQL databases, and a stand-in replicator carrying the marker (or not)."""

from __future__ import annotations

import importlib

import pytest
from moto import mock_aws

from tests.controller.walk import both, flip, run_reader_canary, tick
from tests.controller.world import World


@pytest.fixture
def fenced(monkeypatch):
    with mock_aws():
        w = World(flip_mode="fenced", flip_catchup_seconds=10)
        for key, value in w.env.items():
            monkeypatch.setenv(key, value)
        handler = importlib.reload(importlib.import_module("handler"))
        handler._controller = w.controller()
        w.handle = handler.handle
        yield w


def test_readers_then_a_fenced_flip_a_fenced_rollback_and_a_flip_again(fenced):
    w = fenced
    assert w.fence.writes("onprem") and w.fence.writes("aurora")  # before the cutover: nothing fenced
    run_reader_canary(w)
    assert w.state()["fenced"] == ["aurora"] and not w.fence.writes("aurora") and w.fence.writes("onprem")

    result = flip(w, reason="CHG-2 flip")
    assert result["ok"] and result["phase"] == "cut-over", result
    state = w.state()
    assert state["fenced"] == ["onprem"] and both(w) == ((0, 100), (0, 100))
    assert not w.fence.writes("onprem") and w.fence.writes("aurora")
    pause = state["flip"]["write_pause_seconds"]
    assert 0 < pause < 10 and state["flip"]["caught_up_seconds"] is not None and state["flip"]["marker_at"]
    print(f"\nwrite pause (fence to Route 53 change accepted), emulated end to end: {pause:.3f} s")
    operations = [(r["operation"], r["side"]) for r in w.fence.requests if r["operation"] != "check"]
    assert operations[-3:] == [("fence", "aurora"), ("fence", "onprem"), ("unfence", "aurora")]

    rolled = w.handle({"command": "rollback", "reason": "CHG-3"})
    assert rolled["ok"] and rolled["phase"] == "rolled-back", rolled
    assert w.state()["fenced"] == ["aurora"] and both(w) == ((100, 0), (100, 0))
    assert w.fence.writes("onprem") and not w.fence.writes("aurora")
    assert w.state()["sequences"]["onprem_synced"]["count"] > 0

    w.validation_clean()
    again = w.handle({"command": "start-cutover", "reason": "CHG-4"})
    assert again["ok"], again
    run_reader_canary_from_shifting(w)
    result = flip(w, reason="CHG-4 flip")
    assert result["ok"] and result["phase"] == "cut-over" and w.state()["fenced"] == ["onprem"], result


def run_reader_canary_from_shifting(w) -> None:
    for _ in range(8):
        w.validation_clean(pending=3)
        if tick(w, 16)["phase"] == "awaiting-flip":
            return
    raise AssertionError("readers never reached awaiting-flip")


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
    w.fence.fence.unfence("aurora")
    state = w.state()
    assert w.fence.writes("aurora") and state["fenced"] == ["aurora"]  # the controller cannot see a hand edit...
    w.validation_clean(pending=1)
    checked = w.handle({"command": "status"})
    gate = next(g for g in checked["gates"] if g["name"].startswith("fence ready on aurora"))
    assert "fenced_now=False" in gate["measured"]  # ...but status measures it
