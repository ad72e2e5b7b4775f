"""The cutover record covers one attempt, lists the others, and says so when the kept history starts partway."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console import report
from console.deployment import ConsoleError

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
ON_PREM, ON_AURORA = {"onprem": 100, "aurora": 0}, {"onprem": 0, "aurora": 100}


def version(number: int, phase: str, started: str | None, writer=ON_PREM, reason: str = "") -> dict:
    return {"version": number, "labels": [], "state": {
        "phase": phase, "pre_cutover_time": started, "writer": writer, "readers": writer,
        "reason": reason or f"{phase} at v{number}", "updated_at": f"2026-12-0{min(number, 9)}T10:00:00+00:00"}}


HISTORY = [version(1, "replicating", None), version(2, "shifting", "2026-12-01T10:00:00+00:00"),
           version(3, "rolled-back", "2026-12-01T10:00:00+00:00"),
           version(4, "shifting", "2026-12-02T10:00:00+00:00", reason="rehearsal two"),
           version(5, "cut-over", "2026-12-02T10:00:00+00:00", ON_AURORA)]


def test_the_latest_attempt_by_default_from_the_state_it_started_from():
    built = report.build(HISTORY, {}, {}, NOW)
    assert built["attempt"]["number"] == 2 and [a["number"] for a in built["attempts"]] == [1, 2]
    assert [t["version"] for t in built["transitions"]] == [3, 4, 5] and built["history_note"] is None
    markdown = report.markdown(built)
    assert "Attempt 2 of 2, started 2026-12-02T10:00:00+00:00" in markdown and "--attempt N" in markdown


def test_an_earlier_attempt_is_selectable_and_an_unknown_one_is_refused_by_name():
    built = report.build(HISTORY, {}, {}, NOW, attempt=1)
    assert [t["version"] for t in built["transitions"]] == [1, 2, 3]
    with pytest.raises(ConsoleError, match="--attempt: 3 is not one of the 2"):
        report.build(HISTORY, {}, {}, NOW, attempt=3)


def test_a_history_that_no_longer_reaches_the_start_says_so_plainly():
    kept = [version(n, "shifting", "2026-11-20T10:00:00+00:00") for n in range(40, 45)]
    built = report.build(kept, {}, {}, NOW)
    assert built["attempt"]["complete"] is False
    assert "does not reach the start of attempt 1" in built["history_note"] and "version 40" in built["history_note"]
    assert built["history_note"] in report.markdown(built)
