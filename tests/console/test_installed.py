"""The console through its installed command, in a subprocess, as a script or a pipeline runs it: exit codes,
stderr, nothing but JSON on stdout with --json, and a change sent at most once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from console import cli
from tests.conftest import ROOT

COMMAND = Path(sys.executable).parent / "cutover"  # what make installs (and [project.scripts] declares)
FUNCTION = "cutover-controller-test01"

pytestmark = pytest.mark.skipif(not COMMAND.exists(), reason="the console is installed by make (make test)")


def cutover(*args: str, env: dict | None = None, stdin: str = "", timeout: float = 180) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CUTOVER_"))}
    return subprocess.run([str(COMMAND), *args], input=stdin, capture_output=True, text=True, timeout=timeout,
                          env={**clean, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'lambda'}", "COLUMNS": "160",
                               **(env or {})}, check=False)


def one_line_error(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.fixture
def emulated(tmp_path):
    log = tmp_path / "sent.jsonl"
    env = {"CUTOVER_CONSOLE_TRANSPORT": "tests.console.scripted:emulated", "CUTOVER_SENT_LOG": str(log)}
    return env, log


def sent(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_status_exits_0_with_only_json_on_stdout_with_json_before_or_after_the_command(emulated):
    env, _ = emulated
    for args in (("--json", "--function", FUNCTION, "status"), ("--function", FUNCTION, "status", "--json")):
        result = cutover(*args, env=env)
        assert result.returncode == cli.OK, result.stderr
        reply = json.loads(result.stdout)  # the whole of stdout is one JSON document
        assert reply["ok"] and reply["phase"] == "replicating" and reply["next"]["command"] == "cutover start"


def test_a_refusal_exits_1_and_a_usage_error_exits_2_with_one_line(emulated):
    env, log = emulated
    refused = cutover("--function", FUNCTION, "flip", "--yes", "--reason", "CHG-1", "--json", env=env)
    assert refused.returncode == cli.REFUSED and "the migration is replicating" in json.loads(refused.stdout)["error"]
    for args in (("stauts",), ("--function", FUNCTION, "flip", "--yes", "--reson", "x"),
                 ("--function", FUNCTION, "unfence", "both", "--yes", "--reason", "x")):
        typo = cutover(*args, env=env)
        assert typo.returncode == cli.USAGE and typo.stdout == "", (args, typo.stdout)
        one_line_error(typo)
    missing = cutover("--outputs", "/nonexistent/outputs.json", "status", env=env)
    assert missing.returncode == cli.USAGE and "not found" in missing.stderr
    one_line_error(missing)
    assert [p.get("dry_run") for p in sent(log)] == [True]  # only the refused flip's plan was ever asked for


@pytest.mark.parametrize("args", [("start",), ("flip", "--reason", "CHG-2"), ("rollback", "--yes"),
                                  ("pause", "--yes", "--reason", "x" * (cli.REASON_MAX + 1))])
def test_garbage_from_a_pipeline_changes_nothing_and_exits_2(emulated, args):
    """No terminal to confirm at (stdin is a pipe): refused unless --yes --reason, and a reason the controller
    would refuse is refused first; nothing reaches the controller, not even the plan's dry run."""
    env, log = emulated
    result = cutover("--function", FUNCTION, *args, env=env, stdin="y\ny\nCHG-2\n")
    assert result.returncode == cli.USAGE, result.stderr
    one_line_error(result)
    assert sent(log) == []


def test_start_with_yes_and_reason_sends_the_plan_then_the_change_once(emulated):
    env, log = emulated
    result = cutover("--function", FUNCTION, "start", "--yes", "--reason", "CHG-3 start", "--json", env=env)
    assert result.returncode == cli.OK, result.stderr
    assert json.loads(result.stdout)["phase"] == "shifting"
    assert "Plan: start-cutover" in result.stderr  # the plan goes to stderr when stdout is JSON
    assert [(p["command"], bool(p.get("dry_run")), p["reason"]) for p in sent(log)] == [
        ("start-cutover", True, "CHG-3 start"), ("start-cutover", False, "CHG-3 start")]


def test_watch_exits_3_on_a_rollback_and_prints_json_lines(tmp_path):
    shifting = {"ok": True, "phase": "shifting", "weights": {"writer": {"onprem": 100, "aurora": 0},
                                                              "readers": {"onprem": 90, "aurora": 10}}}
    rolled = {**shifting, "phase": "rolled-back"}
    env = {"CUTOVER_CONSOLE_TRANSPORT": "tests.console.scripted:script", "CUTOVER_SENT_LOG": str(tmp_path / "log"),
           "CUTOVER_SCRIPT": json.dumps([shifting, shifting, rolled])}
    result = cutover("--function", FUNCTION, "watch", "--interval", "0", "--json", env=env)
    assert result.returncode == cli.ROLLED_BACK, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["phase"] for line in lines] == ["shifting", "shifting", "rolled-back"]


class FakeAws(BaseHTTPRequestHandler):
    """STS and Lambda's Invoke as AWS answers them; a change is answered only after `delay` seconds."""

    delay = 0.0
    invocations: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if b"GetCallerIdentity" in body:
            answer = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                      b"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ana</Arn>"
                      b"<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
                      b"</GetCallerIdentityResponse>")
            return self._send(answer, "text/xml")
        payload = json.loads(body)
        FakeAws.invocations.append(payload)
        if payload.get("dry_run"):
            return self._send(json.dumps({"ok": True, "dry_run": True, "would": ["FenceWrites{\"side\": \"onprem\"}"],
                                          "would_become": "{}"}).encode())
        time.sleep(FakeAws.delay)
        return self._send(json.dumps({"ok": True, "outcome": "cut over"}).encode())

    def _send(self, body: bytes, kind: str = "application/json"):
        try:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the console gave up on this answer

    def log_message(self, *args):
        pass


@pytest.fixture
def aws(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAws)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeAws.invocations = []
    outputs = tmp_path / "flat-outputs.json"
    outputs.write_text(json.dumps({"cutover_function_name": FUNCTION, "cutover_function_timeout_seconds": "1"}))
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.server_port}", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "us-east-1"}
    yield env, outputs
    server.shutdown()


def test_a_controller_that_answers_after_the_read_timeout_is_invoked_once_and_the_outcome_is_unknown(aws):
    env, outputs = aws
    FakeAws.delay = 9.0  # past the console's read timeout for a 1 s controller (1 + 5 s)
    started = time.monotonic()
    result = cutover("--outputs", str(outputs), "flip", "--yes", "--reason", "CHG-9", env=env)
    assert result.returncode == cli.UNKNOWN, (result.stdout, result.stderr)
    assert "outcome unknown" in result.stderr and "cutover status" in result.stderr
    one_line_error(result)
    changes = [p for p in FakeAws.invocations if not p.get("dry_run")]
    assert len(changes) == 1 and changes[0]["command"] == "flip"  # sent once: never retried
    assert time.monotonic() - started < 9  # it gave up at its read timeout, not at the answer


def test_aws_out_of_reach_exits_4(aws):
    env, outputs = aws
    result = cutover("--outputs", str(outputs), "status", env={**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert result.returncode == cli.AWS, result.stderr
    one_line_error(result)


def test_the_project_declares_the_command_make_installs():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"cutover": "console.cli:main"}
    assert "console.cli import main" in (ROOT / "console" / "__main__.py").read_text().replace("from ", "")
    assert "-m console" in (ROOT / "Makefile").read_text()  # make's wrapper runs that same main
