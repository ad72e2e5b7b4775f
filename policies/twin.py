"""Checkov twins of the compliance aspects: the same rule functions, run by checkov over cdk.tf.json.

The aspects judge the stack while it is built; the twins judge the file that will be deployed, so an
escape hatch (add_override) or a hand edit made after synth cannot slip through. A twin judges the
file checkov is scanning (rules may look at other resources of it, and checkov's per-resource view
wraps every value in a list), and applies the engine's own suppression policy to suppressions found
in it: a valid one (known rule, suppressible, reason of 10+ characters) makes the result SKIPPED with
its reason; any other is a failure of MIG-SUP-001 on that resource.
"""

from __future__ import annotations

import functools
import inspect
import json
from pathlib import Path

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from aspects.engine import MIN_REASON, UNUSED_SUPPRESSION, Outcome, Resource, Rule, suppression_problem, suppressions_of
from aspects.registry import RULES
from aspects.taggable import is_taggable

CATEGORY = {"ENC": CheckCategories.ENCRYPTION, "TLS": CheckCategories.ENCRYPTION, "TAG": CheckCategories.CONVENTION,
            "NAM": CheckCategories.CONVENTION, "DES": CheckCategories.GENERAL_SECURITY,
            "PUB": CheckCategories.NETWORKING, "NET": CheckCategories.NETWORKING, "IAM": CheckCategories.IAM,
            "SEC": CheckCategories.SECRETS, "MON": CheckCategories.LOGGING, "DB": CheckCategories.BACKUP_AND_RECOVERY}


class ScannedFileUnknownError(RuntimeError):
    """checkov did not say which file it is scanning: the twin cannot judge (and fails rather than guess)."""


def scanned_path(scanned_file: str) -> Path:
    """The absolute path of the file checkov is scanning.

    checkov hands a check the path relative to the scan's root folder; the runner that called it holds
    the absolute one (`full_file_path`, next to the same `scanned_file`). A scan of `-f file` passes it
    whole.
    """
    frame = inspect.currentframe()
    try:
        while frame is not None:
            local = frame.f_locals
            if local.get("scanned_file") == scanned_file and isinstance(local.get("full_file_path"), str):
                return Path(local["full_file_path"])
            frame = frame.f_back
    finally:
        del frame
    candidate = Path(scanned_file)
    if candidate.is_absolute() and candidate.is_file():
        return candidate
    raise ScannedFileUnknownError(f"cannot locate the scanned file {scanned_file!r}")


@functools.lru_cache(maxsize=64)
def _document(path: str, mtime_ns: int) -> dict:
    return json.loads(Path(path).read_text())


def document_of(path: Path) -> dict:
    return _document(str(path), path.stat().st_mtime_ns)


def suffix_of(document: dict) -> str:
    providers = document.get("provider", {}).get("aws", [{}])
    tags = (providers[0].get("default_tags") or [{}])[0].get("tags", {})
    return tags.get("EnvironmentSuffix", "")


def resource_in(document: dict, conf: dict) -> Resource | None:
    """The resource of `conf` in the document, found by its construct path (CDKTF's metadata)."""
    meta = conf.get("//")
    meta = meta[0] if isinstance(meta, list) else meta
    path = ((meta or {}).get("metadata") or {}).get("path")
    for kind, items in document.get("resource", {}).items():
        for name, body in items.items():
            if body.get("//", {}).get("metadata", {}).get("path") == path:
                return Resource(kind, name, body, document, suffix_of(document), is_taggable(kind))
    return None


class Twin(BaseResourceCheck):
    """Finds the scanned resource in its own document before judging it."""

    def run(self, scanned_file, entity_configuration, entity_name, entity_type, skip_info):
        self.scanned_file = scanned_file
        result = super().run(scanned_file, entity_configuration, entity_name, entity_type, skip_info)
        suppressed = getattr(self, "_suppressed", None)
        if suppressed is not None:
            result.update(result=CheckResult.SKIPPED, suppress_comment=suppressed)
            self._suppressed = None
        return result

    def resource(self, conf: dict) -> Resource | None:
        try:
            path = scanned_path(self.scanned_file)
        except ScannedFileUnknownError as error:
            self.details.append(str(error))
            return None
        found = resource_in(document_of(path), conf)
        if found is None:
            self.details.append(f"resource not found in {path}")
        return found


class AspectTwin(Twin):
    def __init__(self, rule: Rule):
        self.rule = rule
        supported = ["aws_*"] if rule.all_resources else sorted(rule.resource_types)
        category = CATEGORY.get(rule.id.split("-")[1], CheckCategories.GENERAL_SECURITY)
        super().__init__(name=f"Ensure {rule.statement[0].lower()}{rule.statement[1:]}", id=rule.id,
                         categories=[category], supported_resources=supported)

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        self._suppressed = None
        resource = self.resource(conf)
        if resource is None:
            return CheckResult.FAILED
        outcome, violations = self.rule.evaluate(resource)
        if outcome is Outcome.NOT_APPLICABLE:
            return CheckResult.UNKNOWN
        self.details.extend(f"{v.property}: {v.message}" for v in violations)
        if violations:
            suppression = next((s for s in suppressions_of(resource.body) if s.rule_id == self.rule.id), None)
            if suppression is not None and suppression_problem(RULES, self.rule.id, suppression.reason) is None:
                self._suppressed = suppression.reason  # reported as SKIPPED with its reason (see run)
                return CheckResult.PASSED
        return CheckResult.FAILED if violations else CheckResult.PASSED


class SuppressionTwin(Twin):
    """MIG-SUP-001: every suppression written into cdk.tf.json obeys the engine's policy and is used."""

    def __init__(self):
        super().__init__(name=f"Ensure a suppression names a known, suppressible rule, has a reason of {MIN_REASON}+ "
                              "characters, "
                              "and matches a finding", id=UNUSED_SUPPRESSION,
                         categories=[CheckCategories.GENERAL_SECURITY], supported_resources=["aws_*"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        meta = conf.get("//")
        meta = meta[0] if isinstance(meta, list) else meta
        if not (meta or {}).get("compliance_suppressions"):
            return CheckResult.UNKNOWN
        resource = self.resource(conf)
        if resource is None:
            return CheckResult.FAILED
        for suppression in suppressions_of(resource.body):
            rule = RULES.get(suppression.rule_id)
            matched = rule is not None and rule.applies_to(resource.type) and \
                rule.evaluate(resource)[0] is Outcome.NON_COMPLIANT
            problem = suppression_problem(RULES, suppression.rule_id, suppression.reason, matched=matched)
            if problem:
                self.details.append(problem)
        return CheckResult.FAILED if self.details else CheckResult.PASSED


def register_all() -> list[Twin]:
    """One twin per rule, and the suppression check; checkov registers each on construction."""
    return [*(AspectTwin(rule) for rule in RULES.values()), SuppressionTwin()]
