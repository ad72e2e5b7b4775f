"""What the operator reads: the controller's replies drawn with rich (tables, bars, a sparkline)."""

from __future__ import annotations

import json
import re

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from foundation import controller_contract

LAG_METRICS: tuple[str, ...] = controller_contract.models.LAG_METRICS  # the controller's own names
BAR = 30
SPARK = "▁▂▃▄▅▆▇█"
ACT_ON = {"awaiting-flip", "held", "cut-over", "rolled-back", "replicating"}  # phases that wait for the operator


def bar(label: str, weights: dict) -> Text:
    aurora = int(weights.get("aurora", 0))
    filled = round(BAR * aurora / 100)
    text = Text(f"{label:<8} on-prem {100 - aurora:>3}% ")
    text.append("█" * (BAR - filled), style="yellow")
    text.append("█" * filled, style="cyan")
    text.append(f" {aurora:>3}% Aurora")
    return text


def sparkline(points: list[float]) -> str:
    if not points:
        return "no data"
    low, high = min(points), max(points)
    span = (high - low) or 1
    return "".join(SPARK[min(len(SPARK) - 1, int((p - low) / span * (len(SPARK) - 1)))] for p in points)


def latency_points(reply: dict, metric: str) -> list[float]:
    """The minute maxima a gate measured, e.g. "[5, 5, 4]" for CDCLatencyTarget."""
    for gate in reply.get("gates", []):
        if gate["name"].startswith(metric):
            return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", gate["measured"])]
    return []


def status_view(reply: dict, lag: dict[str, list[float]] | None = None, events: list[str] | None = None) -> Group:
    state = reply.get("state", {})
    phase = reply.get("phase", "unknown")
    hold = f" ({state.get('hold')})" if state.get("hold") else ""
    head = Text(f"Phase: {phase}{hold}", style="bold")
    head.append(f"   checkpoint v{reply.get('checkpoint_version')}   {state.get('updated_at') or ''}", style="dim")
    parts: list = [head, Text(f"Reason: {state.get('reason', '')}"),
                   bar("writer", reply["weights"]["writer"]), bar("readers", reply["weights"]["readers"])]
    if reply.get("observed_weights") and reply["observed_weights"] != reply["weights"]:
        parts.append(Text(f"Route 53 holds: {json.dumps(reply['observed_weights'])}", style="red"))
    gates = Table(title="Gates", show_lines=False, expand=True)
    gates.add_column("", width=2)
    gates.add_column("gate", no_wrap=True)
    gates.add_column("measured", overflow="fold")
    for gate in reply.get("gates", []):
        gates.add_row(Text("✓", style="green") if gate["ok"] else Text("✗", style="red"), gate["name"],
                      gate["measured"])
    if reply.get("gates"):
        parts.append(gates)
    for metric in LAG_METRICS:
        points = (lag or {}).get(metric) or latency_points(reply, metric)
        if points:
            parts.append(Text(f"{metric:<17} {sparkline(points)}  latest {points[-1]:g} s"))
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    backlog = reply.get("replication_backlog")
    if backlog is not None:
        facts.add_row("Replication backlog", json.dumps(backlog))
    if reply.get("aurora_connections"):
        facts.add_row("Aurora connections", ", ".join(f"{role} {count if count is not None else '-'}"
                                                       for role, count in reply["aurora_connections"].items()))
    if reply.get("rollback"):
        facts.add_row("Rollback", reply["rollback"])
    fences = reply.get("fences")
    if fences:
        fenced = ", ".join(fences.get("fenced") or []) or "none"
        facts.add_row("Fences", f"{reply.get('flip_mode', '')}: fenced {fenced}"
                      + (f" (override: {fences['override']})" if fences.get("override") else "")
                      + (f"; {fences['risk']}" if fences.get("risk") else ""))
        flip = fences.get("last_flip") or {}
        if "write_pause_seconds" in flip:
            facts.add_row("Last write pause", f"{flip['write_pause_seconds']} s ({flip.get('direction')})")
    if reply.get("restore_status"):
        facts.add_row("Restore", reply["restore_status"])
    parts.append(facts)
    step = reply.get("next") or {}
    if step:
        parts.append(Panel(Text(f"{step.get('waiting_for', '')}"
                                + (f"\nnext: {step['command']}" if step.get("command") else "")),
                           title="Next step", border_style="cyan"))
    for line in events or []:
        parts.append(Text(line, style="dim"))
    return Group(*parts)


def plan_view(command: str, dry: dict) -> Group:
    """A dry run as a plan: the steps in order, the record change, the sequences, then what it becomes."""
    steps = Table(title=f"Plan: {command}", expand=True)
    steps.add_column("#", width=3)
    steps.add_column("step")
    steps.add_column("detail", overflow="fold")
    for index, action in enumerate(dry.get("would", []), 1):
        kind, _, body = action.partition("{")
        steps.add_row(str(index), describe(kind, json.loads("{" + body) if body else {}), body and "{" + body)
    parts: list = [steps]
    sequences = dry.get("sequences")
    if isinstance(sequences, dict):
        table = Table(title=f"Sequences: {sequences['sequences']} planned, {sequences['to_move']} to move, "
                            f"{sequences['refused']} refused", expand=True)
        for column in ("sequence", "before", "column max", "after"):
            table.add_column(column)
        for row in sequences.get("largest_jumps", []):
            table.add_row(*(str(v) if v is not None else "-" for v in row))
        parts.append(table)
        for name, why in sequences.get("refusals", []):
            parts.append(Text(f"refused: {name}: {why}", style="red"))
        if sequences.get("every_sequence"):
            parts.append(Text(f"every sequence: {sequences['every_sequence']}", style="dim"))
    become = json.loads(dry.get("would_become") or "{}")
    if become:
        parts.append(Text(f"Then: phase {become.get('phase')}, writer {become.get('writer')}, readers "
                          f"{become.get('readers')}", style="bold"))
    return Group(*parts)


STEP_WORDS = {
    "FenceWrites": lambda a: (f"close {a.get('side')}: no new session outside the allowlist, every open one ended"
                              if a.get("close") else f"make {a.get('side')} read-only outside the allowlist"
                              + (" and end the sessions" if a.get("end_sessions") else ""))
                             + (", write marker" if a.get("token") else ""),
    "InstallFence": lambda a: f"install the fence's functions on {a.get('side')} (before any write pause)",
    "AwaitMarker": lambda a: f"wait for the marker on {a.get('side')}",
    "SyncSequences": lambda a: f"set Aurora's sequences past every column (+{a.get('gap')})",
    "SyncOnpremSequences": lambda a: f"set on-prem's sequences past every column and every id Aurora issued "
                                     f"(+{a.get('gap')})",
    "LiftFence": lambda a: (f"let sessions connect to {a.get('side')} again (it stays read-only)"
                            if a.get("layer") == "connect" else f"open {a.get('side')} to the application"),
    "SetWeights": lambda a: f"Route 53: writer {a['writer']['onprem']}/{a['writer']['aurora']}, readers "
                            f"{a['readers']['onprem']}/{a['readers']['aurora']} (on-prem/Aurora), one change",
    "StartBackup": lambda a: "start an AWS Backup job of the cluster",
    "StartReverseTask": lambda a: "start the reverse task",
    "RestoreCluster": lambda a: f"restore the cluster to {a.get('to_time')} as {a.get('cluster_id')}",
    "Notify": lambda a: f"notice: {a.get('subject')}",
    "Label": lambda a: f"label the checkpoint {a.get('label')}",
    "AdviseOnpremSequences": lambda a: "send on-prem's sequence statement",
}


def describe(kind: str, action: dict) -> str:
    words = STEP_WORDS.get(kind)
    try:
        return words(action) if words else kind
    except (KeyError, TypeError):
        return kind


def refusal_view(reply: dict) -> Text:
    return Text(f"refused: {reply.get('error') or reply.get('outcome')}", style="bold red")


def list_view(reply: dict) -> Table:
    items = reply.get("items", [])
    table = Table(title=f"{reply.get('what')} after {reply.get('after') or 'the start'}", expand=True)
    if items and isinstance(items[0], dict):
        for column in items[0]:
            table.add_column(column)
        for item in items:
            table.add_row(*(str(v) if v is not None else "-" for v in item.values()))
    else:
        table.add_column("name")
        for item in items:
            table.add_row(str(item))
    if reply.get("next"):
        table.caption = f"more: --after {reply['next']}"
    return table
