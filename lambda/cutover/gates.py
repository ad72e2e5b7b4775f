"""Gates: pure judgements over what the gateways measured."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from cutover.models import LAG_METRICS
from cutover.settings import SEQUENCE_SYNC_SECONDS


class TaskStatus(NamedTuple):
    status: str  # DMS task status: ready, starting, running, stopped, failed, ...
    full_load_percent: int = 0
    tables_loading: int = 0
    tables_queued: int = 0
    stopped_at: datetime | None = None


class Validation(NamedTuple):
    tables: int
    not_validated: tuple[str, ...] = ()
    failed_records: int = 0
    pending_records: int = 0
    suspended_records: int = 0
    available: bool = True  # False when the API could not answer (then the gate fails)


class DataChecks(NamedTuple):
    """What Aurora itself says, through the Data API and the RDS API (read-only)."""

    tables: int
    without_key: tuple[str, ...]  # the first few by name; `without_key_count` counts them all
    loopback_schema: bool
    apply_exceptions: int
    apply_exceptions_since: str
    logical_replication: str  # the rds.logical_replication value in the cluster parameter group
    parameters_status: str  # the writer's DBClusterParameterGroupStatus: in-sync | pending-reboot | ...
    sequence_refusals: tuple[str, ...] = ()  # from the read-only plan, when the flip is near (the first few)
    available: bool = True
    detail: str = ""
    without_key_count: int = 0
    sequence_refused: int = 0
    scans: tuple[int, float, str] | None = None  # sequence-fed columns without an index: count, seconds, the largest


class AssessmentCheck(NamedTuple):
    """The newest completed premigration assessment run of the forward task, as DMS reports it."""

    run: str  # its name ("" when none completed)
    status: str  # passed | warning | failed | error-... | none
    completed_at: datetime | None = None
    task_created_at: datetime | None = None
    failed: tuple[str, ...] = ()  # individual assessments failed or in error
    warnings: tuple[str, ...] = ()
    location: str = ""
    newer_running: str = ""  # a later run still going, if any
    available: bool = True
    detail: str = ""


ASSESSED = ("passed", "warning")  # a completed run the gate accepts, if no individual assessment failed


def assessment_gate(a: AssessmentCheck) -> Gate:
    name = "premigration assessment passed, newer than the task"
    if not a.available:
        return Gate(name, False, a.detail or "unavailable")
    if not a.run:
        return Gate(name, False, 'no completed assessment run; send {"command": "assess"} while the forward task '
                                 "is ready, stopped or failed" + (f" ({a.newer_running} running)" if a.newer_running
                                                                   else ""))
    stale = a.task_created_at is not None and a.completed_at is not None and a.completed_at < a.task_created_at
    ok = a.status in ASSESSED and not a.failed and not stale
    measured = f"run {a.run} {a.status}" + (f" at {a.completed_at.isoformat()}" if a.completed_at else "")
    if a.failed:
        measured += f"; failed: {', '.join(a.failed)}"
    if a.warnings:
        measured += f"; warnings (not blocking): {', '.join(a.warnings)}"
    if stale:
        measured += "; older than the task (recreated since): assess again"
    if a.newer_running:
        measured += f"; {a.newer_running} still running"
    return Gate(name, ok, f"{measured}; results in {a.location}")


# A task DMS can start or assess: the other states (starting, running, stopping, modifying, ...) are busy.
IDLE_TASK_STATES = ("ready", "stopped", "failed")  # DMS starts a task only from these
STARTED_TASK_STATES = ("running", "starting")  # on the way to replicating, or there


def assessable_gate(forward: TaskStatus) -> Gate:
    return Gate("forward task not replicating (DMS assesses a ready, stopped or failed task)",
                forward.status in IDLE_TASK_STATES, f"status={forward.status}")


class Observations(NamedTuple):
    forward: TaskStatus
    reverse: TaskStatus
    validation: Validation
    latency: dict[str, list[float]]  # metric name -> the last N one-minute maxima, oldest first
    writer_available: bool
    writer_detail: str = ""
    data: DataChecks | None = None
    assessment: AssessmentCheck | None = None
    fence: tuple[dict, ...] | None = None  # the fence function's dry run per side (fenced mode)
    parity: dict | str | None = None  # schema and access compared (shared.parity), or why unanswered (fenced mode)


class Gate(NamedTuple):
    name: str
    ok: bool
    measured: str


def evaluate(obs: Observations, *, threshold: int, minutes: int, shifting: bool, flip_threshold: int | None = None
             ) -> list[Gate]:
    """Every gate with its measured value. While shifting, the reverse task must be running, and
    validation may have pending records (CDC keeps adding them) but none failed or suspended. With
    `flip_threshold`, the gates of the writer flip: the tighter lag, the reverse task running, and no
    sequence that would refuse its sync."""
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
    for limit in (threshold, flip_threshold) if flip_threshold is not None else (threshold,):
        for metric in LAG_METRICS:
            points = obs.latency.get(metric, [])
            ok = len(points) >= minutes and all(p <= limit for p in points[-minutes:])
            shown = ", ".join(f"{p:g}" for p in points[-minutes:]) or "no data"
            gates.append(Gate(f"{metric} <= {limit} s for {minutes} min", ok, f"[{shown}]"))
    gates.append(Gate("Aurora writer available", obs.writer_available, obs.writer_detail))
    r = obs.reverse
    if shifting or flip_threshold is not None:
        gates.append(Gate("reverse task running", r.status == "running", f"status={r.status}"))
    else:
        gates.append(Gate("reverse task ready", r.status in ("ready", "stopped", *STARTED_TASK_STATES),
                          f"status={r.status}"))
    gates.extend(data_gates(obs.data, flip=flip_threshold is not None))
    if obs.assessment is not None:
        gates.append(assessment_gate(obs.assessment))
    gates.extend(fence_gates(obs.fence or (), closing="onprem" if flip_threshold is not None else None))
    if obs.parity is not None:
        gates.extend(parity_gates(obs.parity))
    return gates


PARITY_GATES = {"schema": "Aurora's schema is on-prem's (parity)",
                "access": "application roles hold on Aurora what they hold on on-prem, once lifted (parity)"}


def parity_gates(parity: dict | str) -> list[Gate]:
    """Whether the side that opens will serve the application as the other did: the schema (what DMS does not
    carry: DDL, views, functions, triggers, extensions) and the access (roles, CONNECT, privileges per table and
    sequence). An unanswered comparison fails both."""
    if isinstance(parity, str):
        return [Gate(name, False, f"unanswered: {parity}") for name in PARITY_GATES.values()]
    return [Gate(name, parity[area].same, parity[area].summary()) for area, name in PARITY_GATES.items()]


def fence_gates(checks: tuple[dict, ...], closing: str | None = None) -> list[Gate]:
    """Per side: the fence function answers, reaches the database, finds the application roles, may end sessions,
    owns the database and every table (through membership), can write the marker, finds no prepared transaction,
    and a dry-run fence of each layer the side uses would hold (every refusal named in why_not)."""
    gates = []
    for c in checks:
        name = f"fence ready on {c.get('side')} (dry run)"
        if not c.get("reachable") or "error" in c:
            gates.append(Gate(name, False, c["error"] if c.get("reachable") else
                              f"unreachable: {c.get('error', 'no answer')}"))
            continue
        measured = (f"roles_missing={','.join(c['roles_missing']) or 'none'} would_close={c['would_close']} "
                    f"would_hold={c['would_hold']} would_revoke={c['would_revoke']} tables={c['tables']} "
                    f"tables_not_owned={c['tables_not_owned']} can_end_sessions={c['can_end_sessions']} "
                    f"owns_database={c['owns_database']} control_table={c['control_table']} "
                    f"prepared_transactions={c['prepared_transactions']} routes={len(c['routes'])} "
                    f"fenced_now={c['fenced']} outside_sessions={c['sessions']}")
        if c.get("lift"):  # how opening the read-only side gives the grants back inside the write pause
            measured += f" lift_memberships={c['lift']['memberships']} lift_per_table={c['lift']['per_table_grants']}"
        if c.get("why_not"):
            measured += f" why_not={c['why_not']}"
        gates.append(Gate(name, bool(c.get("ready")), measured))
        gates.extend(readiness_gates(c, closing))
    return gates


def readiness_gates(c: dict, closing: str | None) -> list[Gate]:
    """What a side must not hold when the cutover moves: what replication cannot carry (always), and on the side
    about to close (`closing`: on-prem at the flip, Aurora at a rollback), long transactions and DDL in progress."""
    r, side = c.get("readiness"), c.get("side")
    if r is None:
        return []
    carried = not r["unlogged"] and not r["large_objects"]
    gates = [Gate(f"nothing on {side} that replication cannot carry", carried,
                  f"unlogged_tables={r['unlogged']}" + (f" ({r['unlogged_sample']})" if r["unlogged"] else "")
                  + f" large_objects={r['large_objects']}"
                  + (f" (columns: {r['large_object_columns']})" if r["large_object_columns"] else ""))]
    if side == closing:
        # Other roles' transaction times are visible only to a member of pg_read_all_stats: unseen is not quiet.
        quiet = r.get("can_read_stats", True) and not r["long_transactions"] and not r["ddl_in_progress"]
        gates.append(Gate(f"no transaction open over {r['bound_seconds']} s and no DDL in progress on {side}", quiet,
                          f"long={r['long_transactions']}" + (f" ({r['long_sample']})" if r["long_transactions"] else "")
                          + f" ddl={r['ddl_in_progress']}" + (f" ({r['ddl_sample']})" if r["ddl_in_progress"] else "")
                          + ("" if r.get("can_read_stats", True) else
                             " unmeasured: the fence role cannot see other sessions (GRANT pg_read_all_stats TO it)")))
    return gates


# The full scans of sequence-fed columns without an index, at most: half the flip's sync budget, so the sync before
# the pause finishes inside the controller's time whatever else it reads.
SCAN_BUDGET_SECONDS = SEQUENCE_SYNC_SECONDS // 2


def data_gates(d: DataChecks | None, *, flip: bool) -> list[Gate]:
    if d is None:
        return []
    if not d.available:
        return [Gate("Aurora data checks answered", False, d.detail or "unavailable")]
    gates = [
        Gate("every migrated table has a primary key or a NOT NULL unique index",
             d.tables > 0 and not d.without_key and not d.without_key_count,
             f"tables={d.tables} without_key={d.without_key_count}"
             + (f" ({', '.join(d.without_key)}{more(d.without_key_count, d.without_key)})" if d.without_key else "")),
        Gate("loopback control schema awsdms_loopback on Aurora", d.loopback_schema,
             "present" if d.loopback_schema else "missing"),
        Gate("rds.logical_replication on and the writer's parameters in sync",
             d.logical_replication == "1" and d.parameters_status == "in-sync",
             f"rds.logical_replication={d.logical_replication} writer={d.parameters_status}"),
        Gate(f"no DMS apply exceptions since {d.apply_exceptions_since}", d.apply_exceptions == 0,
             f"rows={d.apply_exceptions}"),
    ]
    if d.scans is not None:
        count, seconds, largest = d.scans
        gates.append(Gate(f"sequence sync reads its columns' maxima in under {SCAN_BUDGET_SECONDS} s (index or size)",
                          seconds <= SCAN_BUDGET_SECONDS,
                          f"unindexed={count} full_scans={seconds:g} s" + (f" ({largest})" if largest else "")))
    if flip:
        gates.append(Gate("every sequence can be synced below its maximum", not d.sequence_refusals,
                          (f"refused={d.sequence_refused}: {', '.join(d.sequence_refusals)}"
                           f"{more(d.sequence_refused, d.sequence_refusals)}") if d.sequence_refusals
                          else "none refused"))
    return gates


def more(count: int, shown: tuple) -> str:
    """How many a sample leaves out, and where the whole list is."""
    left = count - len(shown)
    return f" and {left} more; the whole list: {{\"command\": \"list\", ...}}" if left > 0 else ""


def all_pass(gates: list[Gate]) -> bool:
    return all(g.ok for g in gates)
