"""`watch` in a real terminal, as a person runs it: tmux sends the command, the screen is read back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.conftest import ROOT


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_watch_in_a_terminal_shows_the_phase_both_weights_and_the_gates(tmp_path):
    session = f"cutover-{uuid.uuid4().hex[:8]}"
    env = {**{k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")},  # the terminal's own size
           "CUTOVER_CONSOLE_TRANSPORT": "tests.console.emulated:connect",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'lambda'}", "TERM": "xterm-256color"}
    command = (f"cd {ROOT} && {sys.executable} -m console --function cutover-controller-test01 watch --interval 1 "
               f"--limit 2; echo EXIT=$?; sleep 60")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "70", command], env=env,
                   check=True)
    try:
        screen, deadline = "", time.monotonic() + 120
        while time.monotonic() < deadline and "EXIT=" not in screen:
            time.sleep(1)
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True,
                                    check=True).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    assert "EXIT=0" in screen, screen
    assert "Phase: replicating" in screen
    assert "writer   on-prem 100%" in screen and "readers  on-prem 100%" in screen
    assert "forward task running, full load complete" in screen and "data validation clean" in screen
    assert "next: cutover start" in screen
