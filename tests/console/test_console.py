"""The console as an operator uses it: rendering, exit codes, --json, and a whole cutover driven with it."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws
from rich.console import Console
from typer.testing import CliRunner

from console import cli, render
from tests.console.emulated import OPERATOR, Session, WorldTransport, outputs_file, start


@pytest.fixture
def emulated(monkeypatch, tmp_path):
    with mock_aws():
        world, handler = start(monkeypatch)
        transport = WorldTransport(world, handler)
        monkeypatch.setattr(cli.Context, "connect", lambda deployment: (transport, OPERATOR, Session(world.clients)))
        monkeypatch.delenv(cli.TRANSPORT_VARIABLE, raising=False)
        monkeypatch.setattr(cli.Context, "terminal", staticmethod(lambda: True))  # a person answers the prompts
        yield world, transport, outputs_file(world, tmp_path), tmp_path


def console(*args: str, outputs=None, input_: str | None = None):
    prefix = ["--outputs", str(outputs)] if outputs else []
    return CliRunner().invoke(cli.app, [*prefix, *args], input=input_, catch_exceptions=False,
                              env={"COLUMNS": "220"})


def screen(view, width: int = 140) -> str:
    recorder = Console(record=True, width=width, file=open("/dev/null", "w"))  # noqa: SIM115 - closed with it
    recorder.print(view)
    return recorder.export_text()


def test_status_draws_the_phase_both_weights_every_gate_and_the_next_step(emulated):
    _, transport, _, _ = emulated
    reply = transport({"command": "status"})
    text = screen(render.status_view(reply))
    assert "Phase: replicating" in text and "on-prem 100%" in text and "0% Aurora" in text
    for gate in reply["gates"]:
        assert gate["name"][:40] in text
    assert "next: cutover start" in text and "Rollback" in text


def test_every_phase_renders(emulated):
    """replicating, shifting, awaiting-flip, cut-over, rolling back: each reply drawn without a gap."""
    _, transport, _, _ = emulated
    seen = {}
    seen[transport({"command": "status"})["phase"]] = transport({"command": "status"})
    transport({"command": "start-cutover", "reason": "CHG-1", "operator": OPERATOR})
    for _ in range(6):
        reply = transport({"command": "status"})
        seen.setdefault(reply["phase"], reply)
    transport({"command": "pause", "reason": "look"})
    seen["held"] = transport({"command": "status"})
    transport({"command": "rollback", "reason": "drill"})
    seen["rolled-back"] = transport({"command": "status"})
    assert {"replicating", "shifting", "awaiting-flip", "held", "rolled-back"} <= set(seen)
    for phase, reply in seen.items():
        text = screen(render.status_view(reply))
        assert f"Phase: {phase}" in text and "writer" in text and "readers" in text and "Next step" in text, phase


def test_json_prints_the_controllers_reply_unchanged(emulated):
    _, _, outputs, _ = emulated
    result = console("--json", "status", outputs=outputs)
    assert result.exit_code == cli.OK
    reply = json.loads(result.stdout)
    assert reply["ok"] and reply["phase"] == "replicating" and {"gates", "next", "weights", "state"} <= set(reply)


def test_exit_codes_tell_a_refusal_a_usage_error_and_a_missing_deployment_apart(emulated, tmp_path):
    _, _, outputs, _ = emulated
    refused = console("flip", "--yes", "--reason", "CHG-2", outputs=outputs)
    assert refused.exit_code == cli.REFUSED and "refused: flip: the migration is replicating" in refused.stdout
    missing = console("--outputs", str(tmp_path / "nowhere.json"), "status")
    assert missing.exit_code == cli.USAGE and "not found" in missing.stderr and "Traceback" not in missing.output
    no_reason = console("rollback", "--yes", outputs=outputs)
    assert no_reason.exit_code in (cli.USAGE, cli.REFUSED)
    bad_side = console("unfence", "both", "--reason", "x", outputs=outputs)
    assert bad_side.exit_code == cli.USAGE and "Traceback" not in bad_side.output
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert console("--outputs", str(broken), "status").exit_code == cli.USAGE


def test_a_cutover_from_status_to_report_with_the_console_alone(emulated):
    world, _, outputs, folder = emulated
    assert console("status", outputs=outputs).exit_code == cli.OK
    started = console("start", "--reason", "CHG-7 cutover", outputs=outputs, input_="CHG-7 cutover\n")
    assert started.exit_code == cli.OK, started.output
    watched = console("watch", "--interval", "0", "--limit", "20", outputs=outputs)
    assert watched.exit_code == cli.OK and world.state()["phase"] == "awaiting-flip", watched.output
    assert "phase shifting -> awaiting-flip" in watched.stdout
    lag = [line for line in watched.stdout.splitlines() if line.startswith("CDCLatencyTarget")][-1]
    assert sum(ch in render.SPARK for ch in lag) > world.settings.healthy_minutes  # CloudWatch's last 30 min
    # The plan before an irreversible step; the change reference asked for, typed in.
    flipped = console("flip", outputs=outputs, input_="CHG-7 flip\n")
    assert flipped.exit_code == cli.OK, flipped.output
    assert "Plan: flip" in flipped.stdout and "set Aurora's sequences past every column" in flipped.stdout
    assert "Route 53: writer 0/100" in flipped.stdout and world.state()["phase"] == "cut-over"
    reported = console("report", "--out", str(folder / "record"), outputs=outputs)
    assert reported.exit_code == cli.OK, reported.output
    record = json.loads((folder / "record" / "report.json").read_text())
    phases = [t["phase"] for t in record["transitions"]]
    assert phases[0] == "replicating" and "shifting" in phases and phases[-1] == "cut-over"
    assert phases.index("shifting") < phases.index("awaiting-flip") < phases.index("cut-over")
    by_phase = {t["phase"]: t for t in record["transitions"]}
    assert by_phase["cut-over"]["operator"] == OPERATOR and "CHG-7 flip" in by_phase["cut-over"]["reason"]
    assert by_phase["awaiting-flip"]["operator"] == "controller"
    markdown = (folder / "record" / "report.md").read_text()
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "cut-over" in line]
    assert rows and OPERATOR in rows[0] and "CHG-7 flip" in rows[0]
    assert "declared by the console" in markdown
    rolled = console("rollback", "--yes", "--reason", "CHG-7 drill", outputs=outputs)
    assert rolled.exit_code == cli.OK and world.state()["phase"] == "rolled-back", rolled.output


def test_watch_exits_3_when_a_rollback_happens_while_watching(emulated):
    world, transport, outputs, _ = emulated
    transport({"command": "start-cutover", "reason": "CHG-8", "operator": OPERATOR})
    transport({"command": "status"})  # the first step
    original, calls = transport.__call__, []

    def with_alarm(payload):
        calls.append(payload)
        if len(calls) == 2 and world.state()["phase"] == "shifting":  # while the operator watches
            transport.handler.handle({"id": "alarm-1", "source": "aws.cloudwatch",
                                      "detail-type": "CloudWatch Alarm State Change",
                                      "detail": {"alarmName": world.settings.lag_alarm_names[0],
                                                 "state": {"value": "ALARM", "reason": "lag"}}})
        return original(payload)

    cli.Context.connect = lambda deployment: (with_alarm, OPERATOR, Session(world.clients))
    watched = console("watch", "--interval", "0", "--limit", "5", outputs=outputs)
    assert watched.exit_code == cli.ROLLED_BACK and world.state()["phase"] == "rolled-back", watched.output


def test_every_next_step_names_a_console_command():
    """status's next step is typed at the console: each command it names exists there."""
    import re
    from datetime import UTC, datetime

    from cutover import logic
    from cutover.models import Phase, State
    from typer.main import get_command

    from tests.controller.fakes import environment

    settings = logic.Settings.from_env(environment())
    commands = set(get_command(cli.app).commands)
    for phase in Phase:
        named = logic.next_steps(State(phase=phase), settings, datetime(2026, 11, 20, tzinfo=UTC), [])["command"]
        for command in re.findall(r"cutover (\w+)", named or ""):
            assert command in commands, (phase, named)
        assert named is None or named.startswith("cutover "), (phase, named)


def test_the_typed_reference_must_match_the_reason_and_prompts_stay_off_stdout_with_json(emulated):
    world, transport, outputs, _ = emulated
    mismatch = console("start", "--reason", "CHG-10", outputs=outputs, input_="CHG-11\n")
    assert mismatch.exit_code == cli.REFUSED and "does not match --reason" in mismatch.stderr
    assert [p.get("dry_run") for p in transport.sent] == [True] and world.state()["phase"] == "replicating"
    started = console("--json", "start", "--reason", "CHG-10", outputs=outputs, input_="CHG-10\n")
    assert started.exit_code == cli.OK, started.output
    echoed, _, document = started.stdout.partition("\n")  # CliRunner echoes typed input (a terminal's echo)
    assert echoed.strip() == "CHG-10" and json.loads(document)["phase"] == "shifting"  # plan, prompt: stderr
    assert "Plan: start-cutover" in started.stderr and "Type the change reference (CHG-10)" in started.stderr
