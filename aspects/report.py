"""The compliance report: a table on stderr, and JSON and Markdown files under the synth output."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from aspects.engine import Finding, Outcome, Summary

SHOWN = (Outcome.NON_COMPLIANT, Outcome.SUPPRESSED)


def as_table(stack: str, findings: list[Finding]) -> str:
    rows = [f for f in findings if f.outcome in SHOWN]
    summary = Summary.of(findings).counts
    lines = [f"compliance: {stack}: " + ", ".join(f"{v} {k}" for k, v in summary.items())]
    if rows:
        header = ("RULE", "SEVERITY", "OUTCOME", "RESOURCE", "PROPERTY", "MESSAGE", "FIX / REASON")
        table = [header] + [(f.rule_id, f.severity.value, f.outcome.value, f.path, f.property, f.message,
                             f.reason if f.outcome is Outcome.SUPPRESSED else f.fix) for f in rows]
        widths = [min(max(len(r[i]) for r in table), 60) for i in range(len(header))]
        for row in table:
            lines.append("  ".join(cell[:60].ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def as_markdown(stack: str, findings: list[Finding]) -> str:
    summary = Summary.of(findings).counts
    lines = [f"# Compliance report: {stack}", "", " | ".join(f"{k}: {v}" for k, v in summary.items()), "",
             "| Rule | Severity | Outcome | Resource | Property | Message | Fix or suppression reason |",
             "|---|---|---|---|---|---|---|"]
    order = {o: i for i, o in enumerate((Outcome.NON_COMPLIANT, Outcome.SUPPRESSED, Outcome.COMPLIANT,
                                         Outcome.NOT_APPLICABLE))}
    for f in sorted(findings, key=lambda f: (order[f.outcome], f.rule_id, f.path)):
        if f.outcome is Outcome.NOT_APPLICABLE:
            continue
        cell = lambda s: s.replace("|", "\\|")  # noqa: E731
        note = f.reason if f.outcome is Outcome.SUPPRESSED else (f.fix if f.outcome is Outcome.NON_COMPLIANT else "")
        lines.append(f"| {f.rule_id} | {f.severity.value} | {f.outcome.value} | `{f.path}` | {cell(f.property)} | "
                     f"{cell(f.message)} | {cell(note)} |")
    return "\n".join(lines) + "\n"


def write(outdir: str | Path, stack: str, findings: list[Finding], stream: TextIO | None = None) -> Path:
    folder = Path(outdir) / "compliance"
    folder.mkdir(parents=True, exist_ok=True)
    document = {"stack": stack, "summary": Summary.of(findings).counts,
                "findings": [{**asdict(f), "severity": f.severity.value, "outcome": f.outcome.value}
                             for f in findings]}
    (folder / f"{stack}.json").write_text(json.dumps(document, indent=2) + "\n")
    (folder / f"{stack}.md").write_text(as_markdown(stack, findings))
    print(as_table(stack, findings), file=stream or sys.stderr)
    return folder
