"""Preflight gates: pure judgements over what the gateways measured."""

from __future__ import annotations

from typing import NamedTuple


class TaskStatus(NamedTuple):
    status: str  # DMS task status: ready, starting, running, stopped, failed, ...
    full_load_percent: int = 0
    tables_loading: int = 0
    tables_queued: int = 0


class Validation(NamedTuple):
    tables: int
    not_validated: tuple[str, ...] = ()
    failed_records: int = 0
    pending_records: int = 0
    suspended_records: int = 0
    available: bool = True  # False when the API could not answer (then the gate fails)


class Observations(NamedTuple):
    forward: TaskStatus
    reverse: TaskStatus
    validation: Validation
    latency: dict[str, list[float]]  # metric name -> the last N one-minute maxima, oldest first
    writer_available: bool
    writer_detail: str = ""


class Gate(NamedTuple):
    name: str
    ok: bool
    measured: str


def evaluate(obs: Observations, *, threshold: int, minutes: int, shifting: bool) -> list[Gate]:
    """Every gate with its measured value. While shifting, the reverse task must be running, and
    validation may have pending records (CDC keeps adding them) but none failed or suspended."""
    f = obs.forward
    gates = [Gate("forward task running, full load complete",
                  f.status == "running" and f.full_load_percent >= 100 and f.tables_loading == 0 and f.tables_queued == 0,
                  f"status={f.status} full_load={f.full_load_percent}% loading={f.tables_loading} "
                  f"queued={f.tables_queued}")]
    v = obs.validation
    clean = v.available and v.tables > 0 and v.failed_records == 0 and v.suspended_records == 0 and \
        (shifting or (not v.not_validated and v.pending_records == 0))
    gates.append(Gate("data validation clean", clean,
                      "unavailable" if not v.available else
                      f"tables={v.tables} not_validated={len(v.not_validated)} failed={v.failed_records} "
                      f"pending={v.pending_records} suspended={v.suspended_records}"))
    for metric in ("CDCLatencySource", "CDCLatencyTarget"):
        points = obs.latency.get(metric, [])
        ok = len(points) >= minutes and all(p <= threshold for p in points[-minutes:])
        shown = ", ".join(f"{p:g}" for p in points[-minutes:]) or "no data"
        gates.append(Gate(f"{metric} <= {threshold} s for {minutes} min", ok, f"[{shown}]"))
    gates.append(Gate("Aurora writer available", obs.writer_available, obs.writer_detail))
    r = obs.reverse
    if shifting:
        gates.append(Gate("reverse task running", r.status == "running", f"status={r.status}"))
    else:
        gates.append(Gate("reverse task ready", r.status in ("ready", "stopped", "starting", "running"),
                          f"status={r.status}"))
    return gates


def all_pass(gates: list[Gate]) -> bool:
    return all(g.ok for g in gates)
