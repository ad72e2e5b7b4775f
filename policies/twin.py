"""Checkov twins of the compliance aspects: the same rule functions, run by checkov over cdk.tf.json.

The aspects judge the stack while it is built; the twins judge the file that will be deployed, so an
escape hatch (add_override) or a hand edit made after synth cannot slip through. A twin judges the
file checkov is scanning (rules may look at other resources of it, and checkov's per-resource view
wraps every value in a list), found from checkov's documented inputs only: the scanned file's path, relative
to the scan's root folder as checkov reports it; that root, from checkov's command line and config file (or
declared by an in-process caller, the gate); and the resource's CDKTF metadata, which checkov passes through
verbatim and which confirms the file. It applies the engine's own suppression policy to suppressions found
in it: a valid one (known rule, suppressible, reason of 10+ characters) makes the result SKIPPED with
its reason; any other is a failure of MIG-SUP-001 on that resource.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
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
    """The file checkov is scanning cannot be located for sure: the twin fails rather than guess."""


# Roots declared by a caller that runs checkov's runner in-process (the gate). Process-wide, not a context
# variable: checkov may run checks on worker threads, which start with an empty context.
_DECLARED: list[Path] = []
# checkov's documented CLI: the options (and the config-file keys) that say what it scans.
DIRECTORY_FLAGS, CONFIG_FLAG = ("-d", "--directory"), "--config-file"
DEFAULT_CONFIGS = (".checkov.yaml", ".checkov.yml")


@contextmanager
def scanning(root: Path) -> Iterator[None]:
    """Declare the root folder of an in-process checkov run, which the command line does not show."""
    _DECLARED.append(root.resolve())
    try:
        yield
    finally:
        _DECLARED.pop()


def _option_values(argv: list[str], flags: tuple[str, ...]) -> list[str]:
    values = []
    for i, arg in enumerate(argv):
        if arg in flags and i + 1 < len(argv):
            values.append(argv[i + 1])
        values += [arg.split("=", 1)[1] for flag in flags if flag.startswith("--") and arg.startswith(flag + "=")]
    return values


def _config(argv: list[str], cwd: Path) -> dict:
    """checkov's config file: --config-file, else .checkov.yaml in the working directory (as checkov reads it)."""
    named = _option_values(argv, (CONFIG_FLAG,))
    candidates = [cwd / named[-1]] if named else [cwd / name for name in DEFAULT_CONFIGS]
    for path in candidates:
        if path.is_file():
            loaded = yaml.safe_load(path.read_text()) or {}
            return loaded if isinstance(loaded, dict) else {}
    return {}


def _listed(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []


@functools.lru_cache(maxsize=8)
def _command_line_roots(argv: tuple[str, ...], cwd: Path) -> list[Path]:
    """The working directory and the -d folders of this checkov run (read once per run, not per check)."""
    named = [*_option_values(list(argv), DIRECTORY_FLAGS), *_listed(_config(list(argv), cwd).get("directory"))]
    return [cwd, *(cwd / d for d in named)]


def candidates(scanned_file: str, argv: list[str], cwd: Path) -> list[Path]:
    """Where `scanned_file` can be. checkov names it relative to the scan's root folder: a -d directory, or the
    working directory for a -f file. The roots are the caller's declaration, else checkov's command line and
    config file (its documented interface)."""
    relative = scanned_file.lstrip("/\\")
    roots = list(_DECLARED) or _command_line_roots(tuple(argv), cwd)
    unique = {path.resolve(): path for path in (root / relative for root in roots) if path.is_file()}
    return list(unique.values())


LINE_MARKERS = ("__startline__", "__endline__")  # checkov adds these to every object it parses


def _unmarked(value: object) -> object:
    if isinstance(value, dict):
        return {k: _unmarked(v) for k, v in value.items() if k not in LINE_MARKERS}
    return [_unmarked(v) for v in value] if isinstance(value, list) else value


def holds(document: dict, kind: str, name: str, conf: dict) -> bool:
    """Whether the document has this resource with the metadata checkov handed over (CDKTF's "//", which
    checkov passes through as written: construct path, unique id, suppressions)."""
    body = document.get("resource", {}).get(kind, {}).get(name)
    meta = conf.get("//")
    meta = meta[0] if isinstance(meta, list) else meta
    return body is not None and body.get("//") == _unmarked(meta)


def scanned_document(scanned_file: str, kind: str, name: str, conf: dict) -> tuple[Path, dict]:
    """The document checkov is scanning: the one candidate that holds this resource as checkov saw it."""
    matches = [(path, document) for path in candidates(scanned_file, sys.argv, Path.cwd())
               if holds(document := document_of(path), kind, name, conf)]
    if len(matches) != 1:
        why = "found nowhere" if not matches else f"ambiguous between {', '.join(str(p) for p, _ in matches)}"
        raise ScannedFileUnknownError(f"cannot locate the scanned file {scanned_file!r} ({why}); scan it with "
                                      "-f <file>, or with -d <folder> on checkov's command line")
    return matches[0]


@functools.lru_cache(maxsize=64)
def _document(path: str, mtime_ns: int) -> dict:
    return json.loads(Path(path).read_text())


def document_of(path: Path) -> dict:
    return _document(str(path), path.stat().st_mtime_ns)


def suffix_of(document: dict) -> str:
    providers = document.get("provider", {}).get("aws", [{}])
    tags = (providers[0].get("default_tags") or [{}])[0].get("tags", {})
    return tags.get("EnvironmentSuffix", "")


class Twin(BaseResourceCheck):
    """Finds the scanned resource in its own document before judging it."""

    def run(self, scanned_file, entity_configuration, entity_name, entity_type, skip_info):
        # checkov calls a check through run() with the scanned file, then scan_resource_conf() with the resource.
        self.scanned = (scanned_file, entity_type, entity_name)
        self._suppressed = None
        try:
            result = super().run(scanned_file, entity_configuration, entity_name, entity_type, skip_info)
        finally:
            self.scanned = None
        if self._suppressed is not None:
            result.update(result=CheckResult.SKIPPED, suppress_comment=self._suppressed)
        return result

    def resource(self, conf: dict) -> Resource | None:
        scanned_file, kind, name = self.scanned
        try:
            _, document = scanned_document(scanned_file, kind, name, conf)
        except ScannedFileUnknownError as error:
            self.details.append(str(error))
            return None
        return Resource(kind, name, document["resource"][kind][name], document, suffix_of(document), is_taggable(kind))


class AspectTwin(Twin):
    def __init__(self, rule: Rule):
        self.rule = rule
        supported = ["aws_*"] if rule.all_resources else sorted(rule.resource_types)
        category = CATEGORY.get(rule.id.split("-")[1], CheckCategories.GENERAL_SECURITY)
        super().__init__(name=f"Ensure {rule.statement[0].lower()}{rule.statement[1:]}", id=rule.id,
                         categories=[category], supported_resources=supported)

    def scan_resource_conf(self, conf: dict) -> CheckResult:
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
