"""Checkov twins of the compliance aspects: the same rule functions, run by checkov over cdk.tf.json.

The aspects judge the stack while it is built; the twins judge the file that will be deployed, so an
escape hatch (add_override) or a hand edit made after synth cannot slip through. A twin reads the
resource from the scanned file itself (found by the construct path checkov passes in "//"), because
rules may look at other resources, and checkov's per-resource view wraps every value in a list.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from aspects.engine import Resource, Rule
from aspects.registry import RULES
from aspects.taggable import is_taggable

DOCUMENTS_ENV = "MIGRATION_GATE_OUTDIR"  # the synth output the gate scans; default ./cdktf.out
CATEGORY = {"ENC": CheckCategories.ENCRYPTION, "TLS": CheckCategories.ENCRYPTION, "TAG": CheckCategories.CONVENTION,
            "NAM": CheckCategories.CONVENTION, "DES": CheckCategories.GENERAL_SECURITY,
            "PUB": CheckCategories.NETWORKING, "NET": CheckCategories.NETWORKING, "IAM": CheckCategories.IAM,
            "SEC": CheckCategories.SECRETS, "MON": CheckCategories.LOGGING, "DB": CheckCategories.BACKUP_AND_RECOVERY}


def documents(outdir: str) -> dict[str, tuple[dict, str, str]]:
    """Construct path -> (document, resource type, resource name), over every synthesized stack."""
    files = tuple((str(p), p.stat().st_mtime_ns) for p in sorted(Path(outdir).glob("stacks/*/cdk.tf.json")))
    return _index(files)


@functools.lru_cache(maxsize=8)
def _index(files: tuple[tuple[str, int], ...]) -> dict[str, tuple[dict, str, str]]:
    index = {}
    for path, _ in files:
        document = json.loads(Path(path).read_text())
        for kind, items in document.get("resource", {}).items():
            for name, body in items.items():
                index[body.get("//", {}).get("metadata", {}).get("path", f"{kind}.{name}")] = (document, kind, name)
    return index


def suffix_of(document: dict) -> str:
    providers = document.get("provider", {}).get("aws", [{}])
    tags = (providers[0].get("default_tags") or [{}])[0].get("tags", {})
    return tags.get("EnvironmentSuffix", "")


class AspectTwin(BaseResourceCheck):
    def __init__(self, rule_id: str):
        self.rule: Rule = RULES[rule_id]
        supported = ["aws_*"] if self.rule.all_resources else sorted(self.rule.resource_types)
        category = CATEGORY.get(rule_id.split("-")[1], CheckCategories.GENERAL_SECURITY)
        super().__init__(name=f"Ensure {self.rule.statement[0].lower()}{self.rule.statement[1:]}", id=rule_id,
                         categories=[category], supported_resources=supported)

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        meta = conf.get("//")
        meta = meta[0] if isinstance(meta, list) else meta
        path = ((meta or {}).get("metadata") or {}).get("path")
        found = documents(os.environ.get(DOCUMENTS_ENV, "cdktf.out")).get(path)
        if found is None:
            self.details.append(f"resource {path!r} not found in the synthesized stacks")
            return CheckResult.FAILED
        document, kind, name = found
        body = document["resource"][kind][name]
        resource = Resource(kind, name, body, document, suffix_of(document), is_taggable(kind))
        outcome, violations = self.rule.evaluate(resource)
        if outcome.value == "not-applicable":
            return CheckResult.UNKNOWN
        self.details.extend(f"{v.property}: {v.message}" for v in violations)
        return CheckResult.FAILED if violations else CheckResult.PASSED
