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


def build(versions: list[dict], status: dict, outputs: dict[str, str], now: datetime) -> dict:
    moves = transitions(versions)
    latest = versions[-1]["state"] if versions else {}
    return {
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
    lines = [f"# Cutover record: {report['deployment'].get('cutover_function_name', '')}", "",
             f"Generated {report['generated_at']}; phase now **{report['phase']}**.", "",
             "## Transitions", "",
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
                     f"{flip.get('fenced_at')}, marker {flip.get('marker_at')}, catch-up {flip.get('caught_up_seconds')} s")
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
