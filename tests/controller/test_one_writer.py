"""One writer at a time, end to end on emulated AWS with Aurora's data in a real PostgreSQL: readers canary,
writes flip after the sequences are synced, rollback moves both names and is lossless or says why not."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from tests.controller.walk import (
    both,
    first_step,
    flip,
    recorded_world,
    run_full_cutover,
    run_reader_canary,
    tick,
    ticks_to_the_flip,
)

GAP = 1_000_000


def last_value(world, sequence: str) -> int:
    return world.sql(f"SELECT last_value FROM {sequence}")[0][0]


def test_the_flip_syncs_every_sequence_before_the_writer_name_moves(world):
    run_reader_canary(world)
    world.calls.clear()
    world.handle = world.recorded(world.handle)
    result = flip(world)
    assert result["phase"] == "cut-over" and both(world) == ((0, 100), (0, 100))
    order = [op for _, op, params in world.calls if op in ("ExecuteStatement", "ChangeResourceRecordSets")
             and (op != "ExecuteStatement" or "setval" in params["sql"])]
    assert order[-2:] == ["ExecuteStatement", "ChangeResourceRecordSets"]  # setval first, then the weights
    assert last_value(world, "public.refunds_id_seq") == 700 + GAP
    assert last_value(world, "public.shared_ids") == 950 + GAP
    new_id = world.sql("INSERT INTO public.ledger (payment_id) VALUES (1) RETURNING id")[0][0]
    assert new_id == 5_000_000_000 + GAP + 1  # the first insert on Aurora reuses no on-prem id
    synced = world.state()["sequences"]["synced"]
    assert synced["sequences"] == synced["moved"] == 8 and synced["refused"] == 0
    assert ["public.ledger_id_seq", None, "5000000000", str(5_000_000_000 + GAP)] == synced["largest_jumps"][0]


def test_the_flip_waits_for_the_operator_and_its_own_gates(world):
    run_reader_canary(world)
    assert world.state()["phase"] == "awaiting-flip" and both(world) == ((100, 0), (0, 100))
    world.validation_clean(pending=3)
    assert tick(world, 60)["outcome"] == "idle"  # no automatic flip by default
    world.validation_clean(pending=3)
    world.latency(20)  # inside the 60 s lag budget, above the 5 s the flip tolerates
    refused = world.handle({"command": "flip"})
    assert refused["ok"] is False and "CDCLatencyTarget <= 5 s" in refused["error"]
    assert both(world) == ((100, 0), (0, 100)) and last_value(world, "public.refunds_id_seq") == 1


def test_a_dry_run_flip_shows_the_statement_and_every_sequence_and_writes_nothing(world):
    run_reader_canary(world)
    versions = len(world.history())
    world.validation_clean(pending=3)
    world.latency(2)
    dry = world.handle({"command": "flip", "dry_run": True})
    assert dry["dry_run"] and "setval" in dry["statements"][0]
    assert dry["sequences"]["sequences"] == dry["sequences"]["to_move"] == 8 and dry["sequences"]["moved"] == 0
    assert '"command": "list"' in dry["sequences"]["every_sequence"]
    listed = world.handle({"command": "list", "what": "sequences"})
    planned = {s["name"]: s for s in listed["items"]}
    assert len(planned) == 8 and listed["next"] is None
    assert planned["public.shared_ids"]["new_value"] == 950 + GAP
    assert len(world.history()) == versions and last_value(world, "public.shared_ids") == 1


def test_a_sequence_that_cannot_be_synced_stops_the_flip_before_any_write_moves(world):
    world.sql("CREATE TABLE public.tiny (id smallserial PRIMARY KEY); INSERT INTO public.tiny VALUES (12)")
    run_reader_canary(world)
    world.validation_clean(pending=3)
    world.latency(2)
    refused = world.handle({"command": "flip"})
    assert refused["ok"] is False and "public.tiny_id_seq" in refused["error"]  # the flip gate saw the plan
    assert both(world) == ((100, 0), (0, 100)) and last_value(world, "public.refunds_id_seq") == 1


def test_rollback_after_the_flip_moves_both_names_at_once_and_gives_onprem_its_setval_statements(world):
    world.expect_backup()
    run_full_cutover(world)
    world.sql("INSERT INTO public.refunds (note) VALUES ('taken on aurora')")
    world.notices()
    world.handle = world.recorded(world.handle)
    world.calls.clear()
    result = world.handle({"command": "rollback", "reason": "drill"})
    assert result["phase"] == "rolled-back" and both(world) == ((100, 0), (100, 0))
    changes = [p for _, op, p in world.calls if op == "ChangeResourceRecordSets"]
    assert len(changes) == 1 and len(changes[0]["ChangeBatch"]["Changes"]) == 4  # one atomic change, both names
    notices = world.notices()
    assert "On-prem sequences to set before on-prem takes inserts" in notices
    world.validation_clean()
    status = world.handle({"command": "status"})
    statements = status["onprem_sequence_statements"]
    assert len(statements) == 1 and "setval" in statements[0] and statements[0].endswith(";")
    assert f"{GAP}::bigint" in statements[0] and ":gap" not in statements[0]  # ready for psql as it stands


def test_rollback_after_the_flip_is_refused_while_the_reverse_task_is_down_unless_forced(world):
    world.expect_backup()
    run_full_cutover(world)
    world.task("reverse").status = "stopped"
    versions = len(world.history())
    refused = world.handle({"command": "rollback"})
    assert refused["ok"] is False and "reverse task is stopped" in refused["error"] and '"force": true' in refused["error"]
    assert both(world) == ((0, 100), (0, 100)) and len(world.history()) == versions  # a refusal changes nothing
    forced = world.handle({"command": "rollback", "force": True, "reason": "Aurora is down"})
    assert forced["phase"] == "rolled-back" and both(world) == ((100, 0), (100, 0))
    assert "forced although" in world.state()["reason"]


def test_reader_canary_then_flip_then_rollback_then_flip_again(world):
    world.expect_backup()
    world.expect_backup()
    run_full_cutover(world)
    assert world.handle({"command": "rollback", "reason": "first attempt"})["phase"] == "rolled-back"
    seen = run_full_cutover(world)
    assert seen[-1] == ((0, 100), (0, 100))
    labels = {label for version in world.history() for label in version.get("Labels", [])}
    assert {"cutover-started", "cutover-complete", "rolled-back"} <= labels


@pytest.fixture
def canary_world(monkeypatch):
    with mock_aws():
        yield recorded_world(monkeypatch, write_canary=True, rollback_on_alarm=True)


def test_with_write_canary_writes_follow_the_steps_after_the_sequences_are_synced(canary_world):
    world = canary_world
    world.expect_backup()
    world.validation_clean()
    world.handle({"command": "start-cutover"})
    world.validation_clean(pending=1)
    world.latency(2)
    tick(world, 1)
    assert both(world) == ((90, 10), (90, 10))
    assert last_value(world, "public.refunds_id_seq") == 700 + GAP  # before the first write reached Aurora
    assert world.state()["writes_since"] is not None


def test_with_write_canary_an_alarm_holds_instead_of_rolling_back_while_the_reverse_task_is_down(canary_world, samples):
    world = canary_world
    world.validation_clean()
    world.handle({"command": "start-cutover"})
    world.validation_clean(pending=1)
    world.latency(2)
    tick(world, 1)
    world.task("reverse").status = "failed"
    alarm = dict(samples["cloudwatch-lag-alarm"], detail={**samples["cloudwatch-lag-alarm"]["detail"],
                                                           "alarmName": world.settings.lag_alarm_names[0]})
    result = world.handle(alarm)
    assert result["phase"] == "held" and both(world) == ((90, 10), (90, 10))
    assert "no automatic rollback" in world.state()["reason"]


def test_status_shows_the_new_gates_connections_and_backlog_with_their_values(world):
    world.sql("CREATE TABLE public.no_key (v int)")
    world.validation_clean()
    status = world.handle({"command": "status"})
    gates = {g["name"]: g for g in status["gates"]}
    keyed = gates["every migrated table has a primary key or a NOT NULL unique index"]
    assert keyed["ok"] is False and "public.no_key" in keyed["measured"]
    assert gates["rds.logical_replication on and the writer's parameters in sync"]["measured"] == \
        "rds.logical_replication=1 writer=in-sync"
    assert status["ready_to_start"] is False
    assert json.loads(json.dumps(status))  # everything in it is JSON


def test_status_measures_the_flips_gates_only_once_the_flip_is_next(world):
    """The sequence plan reads every migrated column: status while the readers shift does not pay for it, and
    shows it once the flip is the next step."""
    first_step(world)
    world.validation_clean(pending=1)
    shifting = world.handle({"command": "status"})
    assert shifting["phase"] == "shifting"
    assert not any(g["name"].startswith("every sequence") for g in shifting["gates"])
    ticks_to_the_flip(world)
    world.validation_clean(pending=1)
    waiting = world.handle({"command": "status"})
    assert any(g["name"] == "every sequence can be synced below its maximum" for g in waiting["gates"])
