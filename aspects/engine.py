"""The compliance rule engine: rules over the stack's Terraform JSON, findings, and suppressions.

Rules read the resolved configuration (the stack's `to_terraform()`, which is what `cdk.tf.json`
will hold, overrides included) rather than construct getters, which return unresolved tokens. The
same rule functions therefore also run over a synthesized file, which is how the checkov gate
reuses them.
"""

from __future__ import annotations

import builtins
import enum
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

SUPPRESSIONS_KEY = "compliance_suppressions"  # under the resource's "//" metadata in cdk.tf.json
# A Terraform reference as CDKTF writes it: ${[data.]type.name.attribute} (attribute may be block[0].attr).
TOKEN = re.compile(r"\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+(?:\[[0-9]+\]\.[a-z_]+)?)\}")
MIN_REASON = 10
AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/")


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Outcome(enum.StrEnum):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non-compliant"
    NOT_APPLICABLE = "not-applicable"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Violation:
    """What is wrong with one property of a resource."""

    property: str
    message: str


@dataclass(frozen=True)
class Resource:
    """One resource of the document as a rule sees it."""

    type: str
    name: str
    body: dict
    document: dict
    suffix: str
    taggable: bool = True

    @property
    def address(self) -> str:
        return f"{self.type}.{self.name}"

    @property
    def path(self) -> str:
        return self.body.get("//", {}).get("metadata", {}).get("path", self.address)

    def get(self, key: str, default: object = None) -> object:
        return self.body.get(key, default)

    def referenced(self, value: object, kind: str) -> Resource | None:
        """The resource of type `kind` that a "${kind.name.attr}" reference points at."""
        if not isinstance(value, str):
            return None
        match = TOKEN.fullmatch(value)
        if not match or match.group(1) or match.group(2) != kind:
            return None
        body = self.document.get("resource", {}).get(kind, {}).get(match.group(3))
        return None if body is None else Resource(kind, match.group(3), body, self.document, self.suffix)

    def others(self, kind: str) -> Iterator[Resource]:
        for name, body in self.document.get("resource", {}).get(kind, {}).items():
            yield Resource(kind, name, body, self.document, self.suffix)


Check = Callable[[Resource], "Iterable[Violation] | None"]


@dataclass(frozen=True)
class Rule:
    """A compliance rule: one requirement, the resource types it covers, and how to fix it.

    `check` returns the violations of a resource (empty when compliant) or None when the rule does
    not apply to that particular resource.
    """

    id: str
    statement: str
    severity: Severity
    resource_types: frozenset[str]
    rationale: str
    fix: str
    check: Check
    suppressible: bool = True
    all_resources: bool = False  # applies to every resource type (resource_types ignored)

    def applies_to(self, kind: str) -> bool:
        return self.all_resources or kind in self.resource_types

    def evaluate(self, resource: Resource) -> tuple[Outcome, list[Violation]]:
        violations = self.check(resource)
        if violations is None:
            return Outcome.NOT_APPLICABLE, []
        violations = list(violations)
        return (Outcome.NON_COMPLIANT if violations else Outcome.COMPLIANT), violations


@dataclass(frozen=True)
class Suppression:
    rule_id: str
    reason: str


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    outcome: Outcome
    resource_type: str
    address: str
    path: str
    property: str = ""
    message: str = ""
    fix: str = ""
    reason: str = ""

    @builtins.property
    def blocking(self) -> bool:
        return self.outcome is Outcome.NON_COMPLIANT and self.severity is Severity.ERROR


class SuppressionError(ValueError):
    """A suppression that cannot be accepted (no reason, unknown rule, unsuppressible rule)."""


def suppression_problem(rules: dict[str, Rule], rule_id: str, reason: str, *, matched: bool | None = None
                        ) -> str | None:
    """The one suppression policy, for synth time (the engine, `suppress()`) and the gate (the checkov twins):
    why a suppression cannot stand, or None. It stands when it names a known rule that may be suppressed, with a
    reason of MIN_REASON+ characters, and (`matched`, when known) that rule has a finding on the resource. Only
    a suppression that stands turns findings into SUPPRESSED; any other is a MIG-SUP-001 failure, and the rule's
    findings stay failures."""
    try:
        validate_suppression(rules, rule_id, reason)
    except SuppressionError as error:
        return str(error)
    if matched is False:
        return f"suppression of {rule_id} matches no finding; remove it"
    return None


def validate_suppression(rules: dict[str, Rule], rule_id: str, reason: str) -> None:
    if rule_id not in rules:
        raise SuppressionError(f"suppression of {rule_id!r}: no such rule (known: {', '.join(sorted(rules))})")
    if not rules[rule_id].suppressible:
        raise SuppressionError(f"suppression of {rule_id}: this rule cannot be suppressed "
                               f"({rules[rule_id].statement})")
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        raise SuppressionError(f"suppression of {rule_id}: a reason of at least {MIN_REASON} characters is required")


def suppressions_of(body: dict) -> list[Suppression]:
    """The suppressions written in a resource's metadata; a malformed entry keeps what it has, so it fails
    validation by name instead of breaking the scan."""
    raw = body.get("//", {}).get(SUPPRESSIONS_KEY, [])
    if not isinstance(raw, list):
        return [Suppression(str(raw), "")]
    return [Suppression(str(s.get("id", "")), str(s.get("reason", ""))) if isinstance(s, dict) else Suppression(str(s), "")
            for s in raw]


UNUSED_SUPPRESSION = "MIG-SUP-001"


def evaluate(document: dict, rules: dict[str, Rule], *, suffix: str) -> list[Finding]:
    """Every rule over every resource of a Terraform JSON document, suppressions applied."""
    from aspects.taggable import is_taggable

    findings: list[Finding] = []
    for kind, items in sorted(document.get("resource", {}).items()):
        for name, body in sorted(items.items()):
            resource = Resource(kind, name, body, document, suffix, is_taggable(kind))
            suppressions = {s.rule_id: s for s in suppressions_of(body)}
            used: set[str] = set()
            for rule in rules.values():
                if not rule.applies_to(kind):
                    continue
                outcome, violations = rule.evaluate(resource)
                base = {"rule_id": rule.id, "severity": rule.severity, "resource_type": kind,
                        "address": resource.address, "path": resource.path}
                if outcome is not Outcome.NON_COMPLIANT:
                    findings.append(Finding(outcome=outcome, **base))
                    continue
                suppression = suppressions.get(rule.id)
                if suppression and suppression_problem(rules, rule.id, suppression.reason) is None:
                    used.add(rule.id)
                    findings.extend(Finding(outcome=Outcome.SUPPRESSED, property=v.property, message=v.message,
                                            fix=rule.fix, reason=suppression.reason, **base) for v in violations)
                    continue
                if suppression:
                    used.add(rule.id)  # matched, but it does not stand: its own problem is reported below
                findings.extend(Finding(outcome=outcome, property=v.property, message=v.message, fix=rule.fix, **base)
                                for v in violations)
            for rule_id, suppression in suppressions.items():
                problem = suppression_problem(rules, rule_id, suppression.reason, matched=rule_id in used)
                if problem:
                    findings.append(Finding(rule_id=UNUSED_SUPPRESSION, severity=Severity.ERROR,
                                            outcome=Outcome.NON_COMPLIANT, resource_type=kind,
                                            address=resource.address, path=resource.path, property="//",
                                            message=problem, fix="delete or correct the suppression"))
    return findings


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, findings: list[Finding]) -> Summary:
        counts = {o.value: 0 for o in Outcome}
        for f in findings:
            counts[f.outcome.value] += 1
        counts["blocking"] = sum(f.blocking for f in findings)
        return cls(counts)


def is_cmk(value: object) -> bool:
    """A key reference that is not empty and not an AWS-managed alias."""
    return isinstance(value, str) and bool(value.strip()) and not AWS_MANAGED_KEY.search(value)


def first(value: object) -> object:
    """Nested blocks are lists of one object in Terraform JSON; accept either shape."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def cmk_violations(resource: Resource, prop: str, what: str = "no customer-managed key") -> list[Violation]:
    """The one violation of a key property that is empty or an AWS-managed alias, or none."""
    return [] if is_cmk(resource.get(prop)) else [Violation(prop, what)]


def ignores_changes(resource: Resource, attribute: str) -> bool:
    """Whether lifecycle.ignore_changes covers `attribute` (or is "all")."""
    ignored = (first(resource.get("lifecycle")) or {}).get("ignore_changes") or []
    return ignored == "all" or attribute in ignored


def companions(resource: Resource, kind: str) -> list[Resource]:
    """The resources of `kind` that configure `resource` through their `bucket` (an S3 bucket's companions)."""
    own = {f"${{{resource.type}.{resource.name}.id}}", f"${{{resource.type}.{resource.name}.bucket}}"}
    return [o for o in resource.others(kind) if o.get("bucket") in own]
