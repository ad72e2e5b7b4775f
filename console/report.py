"""The cutover record: Markdown and JSON built from what AWS holds, readable by someone who was not there."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

TRANSITION_FIELDS = ("phase", "writer", "readers", "hold", "reason", "operator")


def history(aws: Any, parameter: str) -> list[dict]:
    """Every kept version of the checkpoint, oldest first: version, its labels and its state."""
    ssm, versions, token = aws.client("ssm"), [], None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = ssm.get_parameter_history(Name=parameter, WithDecryption=True, MaxResults=50, **kwargs)
        for item in page["Parameters"]:
            versions.append({"version": int(item["Version"]), "labels": item.get("Labels") or [],
                             "state": json.loads(item["Value"])})
        token = page.get("NextToken")
        if not token:
            return sorted(versions, key=lambda v: v["version"])


def transitions(versions: list[dict]) -> list[dict]:
    """The versions whose phase, weights, hold, reason or operator differ from the one before."""
    out, previous = [], None
    for item in versions:
        state = item["state"]
        key = tuple(json.dumps(state.get(f), sort_keys=True) for f in TRANSITION_FIELDS)
        if key != previous:
            out.append({"version": item["version"], "labels": item["labels"],
                        **{f: state.get(f) for f in TRANSITION_FIELDS}, "at": state.get("updated_at")})
            previous = key
    return out


def phase_durations(moves: list[dict], now: datetime) -> dict[str, float]:
    """Seconds spent in each phase, from one transition's time to the next (the last until now)."""
    spent: dict[str, float] = {}
    times = [(m["phase"], _time(m["at"])) for m in moves if m.get("at")]
    for (phase, start), (_, end) in zip(times, [*times[1:], (None, now)], strict=True):
        if start and end:
            spent[phase] = spent.get(phase, 0.0) + max(0.0, (end - start).total_seconds())
    return spent


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def attempts(versions: list[dict]) -> list[dict]:
    """The cutover attempts the kept versions show, oldest first: each begins at a start-cutover (a new
    `pre_cutover_time`) and runs until the next one. `complete` is false when Parameter Store's 100 kept versions no
    longer reach back to the attempt's start (its first kept version is already inside it)."""
    found: list[dict] = []
    for index, item in enumerate(versions):
        started = item["state"].get("pre_cutover_time")
        if not started:
            continue
        if not found or found[-1]["started_at"] != started:
            found.append({"number": len(found) + 1, "started_at": started, "first_version": item["version"],
                          "last_version": item["version"], "from_index": index, "to_index": index,
                          "complete": index > 0})
        found[-1].update(last_version=item["version"], to_index=index)
    return found


def build(versions: list[dict], status: dict, outputs: dict[str, str], now: datetime,
          attempt: int | None = None) -> dict:
    """The record of one attempt (the latest by default), with every attempt the history still holds listed."""
    runs = attempts(versions)
    if attempt is not None and not 1 <= attempt <= len(runs):
        from console.deployment import ConsoleError

        raise ConsoleError(f"--attempt: {attempt} is not one of the {len(runs)} attempt(s) the kept history holds "
                           f"(1 to {len(runs)})")
    chosen = runs[(attempt or len(runs)) - 1] if runs else None
    # The attempt's versions, with the one it started from (what the cutover moved away from).
    scope = versions[max(0, chosen["from_index"] - 1):chosen["to_index"] + 1] if chosen else versions
    moves = transitions(scope)
    latest = versions[-1]["state"] if versions else {}
    oldest = versions[0]["version"] if versions else None
    note = None
    if chosen and not chosen["complete"]:
        note = (f"The kept history does not reach the start of attempt {chosen['number']} (started "
                f"{chosen['started_at']}): Parameter Store keeps the last 100 versions of the checkpoint, and the "
                f"oldest kept is version {oldest}. Its earliest transitions are gone from AWS; this record begins "
                "partway through the attempt.")
    return {
        "attempt": None if chosen is None else {k: chosen[k] for k in ("number", "started_at", "first_version",
                                                                          "last_version", "complete")},
        "attempts": [{k: run[k] for k in ("number", "started_at", "first_version", "last_version", "complete")}
                     for run in runs],
        "history_note": note,
        "deployment": {k: outputs.get(k) for k in ("cutover_function_name", "state_parameter_name", "record_name",
                                                   "reader_record_name", "aurora_cluster_id") if outputs.get(k)},
        "generated_at": now.isoformat(),
        "phase": status.get("phase", latest.get("phase")),
        "transitions": moves,
        "time_in_phase_seconds": phase_durations(moves, now),
        "milestones": latest.get("milestones") or {},
        "assessment": latest.get("assessment"),
        "sequences": latest.get("sequences"),
        "fences": status.get("fences") or {"fenced": latest.get("fenced"), "last_flip": latest.get("flip")},
        "gates_now": status.get("gates", []),
        "rollback_now": status.get("rollback"),
        "next": status.get("next"),
        "identity_note": ("Operators are declared by the console (sts:GetCallerIdentity of the caller), not proven: "
                          "a Lambda invocation carries no caller identity. With CloudTrail data events for Lambda on "
                          "for the controller function (a trail's AWS::Lambda::Function data events), each declared "
                          "operator can be matched to the IAM principal that invoked, at the time of its version."),
    }


def markdown(report: dict) -> str:
    chosen = report.get("attempt")
    lines = [f"# Cutover record: {report['deployment'].get('cutover_function_name', '')}", "",
             f"Generated {report['generated_at']}; phase now **{report['phase']}**.", ""]
    if chosen:
        lines += [f"Attempt {chosen['number']} of {len(report['attempts'])}, started {chosen['started_at']} "
                  f"(checkpoint versions {chosen['first_version']} to {chosen['last_version']}).", ""]
    if report.get("history_note"):
        lines += [f"**{report['history_note']}**", ""]
    if len(report.get("attempts") or []) > 1:
        lines += ["## Attempts", "", "| attempt | started | versions | history |", "|---|---|---|---|"]
        lines += [f"| {a['number']} | {a['started_at']} | {a['first_version']} to {a['last_version']} | "
                  f"{'complete' if a['complete'] else 'starts partway'} |" for a in report["attempts"]]
        lines += ["", "Another attempt's record: `cutover report --attempt N`.", ""]
    lines += ["## Transitions", "",
             "| version | at | phase | writer (on-prem/Aurora) | readers | operator | reason | labels |",
             "|---|---|---|---|---|---|---|---|"]
    for m in report["transitions"]:
        weights = [f"{w['onprem']}/{w['aurora']}" if w else "" for w in (m.get("writer"), m.get("readers"))]
        reason = (m.get("reason") or "").replace("|", "\\|")
        lines.append(f"| {m['version']} | {m.get('at') or ''} | {m.get('phase')}"
                     f"{' (' + m['hold'] + ')' if m.get('hold') else ''} | {weights[0]} | {weights[1]} | "
                     f"{m.get('operator') or 'controller'} | {reason} | {', '.join(m.get('labels') or [])} |")
    lines += ["", "## Time in each phase", ""]
    lines += [f"- {phase}: {seconds / 60:.1f} min" for phase, seconds in report["time_in_phase_seconds"].items()]
    lines += ["", "## Evidence", ""]
    assessment = report.get("assessment") or {}
    lines.append(f"- Premigration assessment: {assessment.get('run') or 'none recorded'}"
                 f"{' (' + assessment['run_arn'] + ')' if assessment.get('run_arn') else ''}")
    for key, value in (report.get("sequences") or {}).items():
        lines.append(f"- Sequences ({key}): {json.dumps(value, sort_keys=True)}")
    flip = (report.get("fences") or {}).get("last_flip") or {}
    if flip:
        lines.append(f"- Last fenced {flip.get('direction')}: write pause {flip.get('write_pause_seconds')} s, fenced at "
                     f"{flip.get('fenced_at')}, marker {flip.get('marker_at')}, catch-up {flip.get('caught_up_seconds')} s, "
                     f"fence function steps {json.dumps(flip.get('fence_steps_seconds'), sort_keys=True)}")
    lines.append(f"- Milestones: {json.dumps(report['milestones'], sort_keys=True)}")
    lines += ["", "## Gates as measured now", ""]
    lines += [f"- {'ok' if g['ok'] else 'FAILING'}: {g['name']} ({g['measured']})" for g in report["gates_now"]]
    lines += ["", "## How to roll back from here", "",
              f"- Rollback now: {report.get('rollback_now') or 'unknown'}",
              f"- Next step: {json.dumps(report.get('next'))}",
              "- `cutover rollback --reason <change>` moves both names back in one change (fenced: Aurora fenced "
              "first, on-prem caught up, its sequences set); `cutover restore` restores the cluster to the "
              "pre-cutover time as a new cluster.", "", "## Identity", "", report["identity_note"], ""]
    return "\n".join(lines)
