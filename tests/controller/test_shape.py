"""The controller's shape: commands dispatched exhaustively, one registry of actions, checkpoints refused whole
when their version is unknown."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cutover import logic
from cutover.models import (
    ACTIONS,
    ALL_ON_AURORA,
    ALL_ON_PREM,
    CheckpointVersionError,
    Command,
    CommandName,
    InputError,
    Notify,
    Phase,
    RecordEvent,
    RestoreCluster,
    SetWeights,
    State,
    TaskEvent,
    Weights,
    action_of,
    action_record,
)
from cutover.settings import Settings

from tests.controller.fakes import environment

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SETTINGS = Settings.from_env(environment())
PRE_CUTOVER = State(phase=Phase.CUT_OVER, writer=ALL_ON_AURORA, readers=ALL_ON_AURORA, pre_cutover_time=NOW)


def test_every_command_has_a_case_of_its_own_in_each_dispatch():
    """Each dispatch over commands (what to measure, what to decide) names every command in a case of its own, so
    none reaches another command's branch or the exhaustiveness guard by falling through."""
    import ast
    import inspect

    for function in (logic._command, logic.wants):
        tree = ast.parse(inspect.getsource(function))
        named = {node.attr for match in ast.walk(tree) if isinstance(match, ast.Match)
                 and ast.unparse(match.subject).startswith(("CommandName(", "name"))
                 for case in match.cases for node in ast.walk(case.pattern) if isinstance(node, ast.Attribute)}
        assert named == {m.name for m in CommandName}, (function.__name__, {m.name for m in CommandName} ^ named)


@pytest.mark.parametrize("name", [c for c in CommandName if c is not CommandName.RESTORE])
def test_no_other_command_ever_restores(name):
    gates = [logic.Gate("every gate", True, "ok")]
    for state in (State(), PRE_CUTOVER, State(phase=Phase.HELD, writer=ALL_ON_PREM, readers=Weights(50, 50))):
        try:
            decision = logic.decide(state, Command(name, force=name is CommandName.ROLLBACK), SETTINGS, now=NOW,
                                    observed=state.records, gates=gates)
        except logic.CommandRefusedError:
            continue
        assert not any(isinstance(a, RestoreCluster) for a in decision.actions), name


def test_every_action_is_registered_declares_whether_it_is_primary_and_survives_a_checkpoint():
    samples = {"SetWeights": SetWeights(ALL_ON_AURORA, ALL_ON_AURORA, ALL_ON_PREM, ALL_ON_PREM),
               "RecordEvent": RecordEvent(TaskEvent("e1", "arn", "REPLICATION_TASK_FAILED", "oom", NOW)),
               "RestoreCluster": RestoreCluster(NOW, "aurora-test01-pitr-202611200900"),
               "StartReverseTask": ACTIONS["StartReverseTask"](NOW), "Notify": Notify("s", "m"),
               "Label": ACTIONS["Label"]("cutover-started", 3), "SyncSequences": ACTIONS["SyncSequences"](1000),
               "AdviseOnpremSequences": ACTIONS["AdviseOnpremSequences"](1000),
               "StartAssessment": ACTIONS["StartAssessment"]("run"), "StartBackup": ACTIONS["StartBackup"](),
               "FenceWrites": ACTIONS["FenceWrites"]("onprem", "flip-1", True, True),
               "LiftFence": ACTIONS["LiftFence"]("aurora", "connect"), "InstallFence": ACTIONS["InstallFence"]("onprem"),
               "SettleFence": ACTIONS["SettleFence"]("aurora"),
               "CatchUpSequences": ACTIONS["CatchUpSequences"]("aurora", 1000),
               "AwaitMarker": ACTIONS["AwaitMarker"]("aurora", "flip-1"),
               "SyncOnpremSequences": ACTIONS["SyncOnpremSequences"](1000)}
    assert set(samples) == set(ACTIONS)
    for kind, action in samples.items():
        assert isinstance(ACTIONS[kind].primary, bool)
        assert action_of(json.loads(json.dumps(action_record(action)))) == action


def test_a_pending_action_of_an_unknown_type_is_refused():
    with pytest.raises(InputError, match="pending actions are malformed"):
        State.from_json(json.dumps({"version": 4, "pending": [{"type": "DropDatabase"}]}))


def test_a_checkpoint_of_an_unknown_version_is_refused_whole_with_the_way_out():
    newer = json.loads(State(phase=Phase.SHIFTING, readers=Weights(90, 10)).to_json()) | {"version": 99}
    with pytest.raises(CheckpointVersionError, match=r"version 99.*deploy the controller that wrote it"):
        State.from_json(json.dumps(newer))


def test_a_version_3_checkpoint_is_read_with_its_writer_and_its_pending_shift():
    shift = {"type": "SetWeights", "weights": {"onprem": 0, "aurora": 100}, "readers": {"onprem": 0, "aurora": 100},
             "previous": {"onprem": 100, "aurora": 0}, "previous_readers": {"onprem": 0, "aurora": 100}}
    old = {"version": 3, "phase": "cut-over", "weights": {"onprem": 0, "aurora": 100},
           "readers": {"onprem": 0, "aurora": 100}, "hold": None, "reason": "flipped", "pending": [shift]}
    state = State.from_json(json.dumps(old))
    assert state.writer == ALL_ON_AURORA and state.phase is Phase.CUT_OVER
    assert action_of(state.pending[0]) == SetWeights(ALL_ON_AURORA, ALL_ON_AURORA, ALL_ON_PREM, ALL_ON_AURORA)
    assert json.loads(state.to_json())["version"] == 5 and state.fenced == () and state.flip is None


def test_a_version_4_checkpoint_is_read_as_nothing_fenced():
    old = json.loads(State(phase=Phase.AWAITING_FLIP, readers=ALL_ON_AURORA).to_json())
    old = {k: v for k, v in old.items() if k not in ("fenced", "flip")} | {"version": 4}
    state = State.from_json(json.dumps(old))
    assert state.phase is Phase.AWAITING_FLIP and state.fenced == () and state.flip is None


def test_a_checkpoint_fencing_an_unknown_side_is_refused():
    bad = json.loads(State(fenced=("aurora",)).to_json()) | {"fenced": ["both"]}
    with pytest.raises(InputError, match="fenced"):
        State.from_json(json.dumps(bad))


def test_log_lines_reach_the_root_logger_with_their_fields(caplog):
    """The runtime's handler sits on the root logger: a handler of our own with propagate off would bypass the
    function's JSON format and log level."""
    import logging

    from cutover.log import line

    assert not logging.getLogger("cutover").handlers and logging.getLogger("cutover").propagate
    with caplog.at_level(logging.INFO):
        line("decided", phase="shifting", weights={"writer": {"onprem": 100, "aurora": 0}}, outcome="advanced",
             problems=[], when=NOW)
    record = next(r for r in caplog.records if r.name == "cutover")
    assert record.getMessage() == "decided" and record.phase == "shifting" and record.outcome == "advanced"
    assert record.weights["writer"]["aurora"] == 0 and record.when == NOW.isoformat()
    with caplog.at_level(logging.WARNING):
        caplog.clear()
        line("quiet", phase="shifting", weights={})
    assert not caplog.records  # the level is the root's (Lambda's application_log_level), not ours
