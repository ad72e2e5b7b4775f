"""The gate's verdict as SARIF 2.1.0 (code scanning), JUnit XML (CI test reports) and JSON."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policies.verdict import Verdict

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif(verdict: Verdict, base: Path) -> dict:
    rules: dict[str, dict] = {}
    results = []
    for r in verdict.results:
        rules.setdefault(r.check_id, {"id": r.check_id, "name": r.check_id.replace("-", "_"),
                                      "shortDescription": {"text": r.name}})
        if r.status not in ("failed", "suppressed"):
            continue
        result = {
            "ruleId": r.check_id, "level": "error", "message": {"text": f"{r.resource}: {r.message or r.name}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": os.path.relpath(r.file, base) if r.file else "cdk.tf.json"},
                "region": {"startLine": max(1, r.lines[0]), "endLine": max(1, r.lines[1], r.lines[0])}}}],
        }
        if r.status == "suppressed":
            result["suppressions"] = [{"kind": "external", "justification": r.message}]
        results.append(result)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "migration-gate", "informationUri": "https://www.checkov.io/",
                            "rules": sorted(rules.values(), key=lambda x: x["id"])}},
        "results": results}]}


def junit(verdict: Verdict) -> ET.Element:
    suites = ET.Element("testsuites", name="compliance gate")
    by_source: dict[str, list] = {}
    for r in verdict.results:
        by_source.setdefault(r.source, []).append(r)
    for source, results in sorted(by_source.items()):
        suite = ET.SubElement(suites, "testsuite", name=source, tests=str(len(results)),
                              failures=str(sum(r.status == "failed" for r in results)),
                              skipped=str(sum(r.status in ("skipped", "suppressed") for r in results)))
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=f"{r.stack}.{r.resource}", name=f"{r.check_id} {r.name}")
            if r.status == "failed":
                ET.SubElement(case, "failure", message=r.message or r.name, type=r.check_id).text = r.message
            elif r.status in ("skipped", "suppressed"):
                ET.SubElement(case, "skipped", message=f"{r.status}: {r.message}")
    return suites


def write_all(folder: Path, verdict: Verdict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    base = Path.cwd()
    (folder / "gate.sarif").write_text(json.dumps(sarif(verdict, base), indent=2) + "\n")
    tree = ET.ElementTree(junit(verdict))
    ET.indent(tree)
    tree.write(folder / "gate-junit.xml", encoding="utf-8", xml_declaration=True)
    (folder / "gate.json").write_text(json.dumps({
        "counts": verdict.counts(), "timings_s": {k: round(v, 3) for k, v in verdict.timings.items()},
        "results": [asdict(r) for r in verdict.results]}, indent=2) + "\n")
