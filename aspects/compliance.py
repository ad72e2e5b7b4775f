"""The synth-time compliance aspect, and the one way to suppress a finding.

The aspect runs when CDKTF visits the stack node, before its children: by then the stack is fully
built (tags included, RequiredTags runs first) and `to_terraform()` yields exactly what cdk.tf.json
will hold, overrides included.
"""

from __future__ import annotations

import jsii
from constructs import IConstruct

from aspects import report
from aspects.engine import SUPPRESSIONS_KEY, Finding, Outcome, Severity, evaluate, validate_suppression
from aspects.registry import RULES
from foundation.cdk import Annotations, App, IAspect, TerraformResource, TerraformStack


@jsii.implements(IAspect)
class ComplianceAspect:
    def __init__(self, suffix: str):
        self.suffix = suffix
        self.findings: list[Finding] = []

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformStack):
            return
        self.findings = evaluate(node.to_terraform(), RULES, suffix=self.suffix)
        failing = [f for f in self.findings if f.outcome is Outcome.NON_COMPLIANT]
        # Each property read crosses into Node; map findings to constructs only when there are any.
        constructs = {r.friendly_unique_id: r for r in resources(node)} if failing else {}
        for finding in failing:
            target = constructs.get(finding.address.split(".", 1)[1], node)
            message = f"[{finding.rule_id}] {finding.property}: {finding.message} (fix: {finding.fix})"
            if finding.severity is Severity.ERROR:
                Annotations.of(target).add_error(message)
            else:
                Annotations.of(target).add_warning(message)
        report.write(App.of(node).outdir, node.node.id, self.findings)


def resources(scope: IConstruct) -> list[TerraformResource]:
    return [c for c in scope.node.find_all() if isinstance(c, TerraformResource)]


def suppress(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Accept a finding of `rule_id` on `construct` (or every resource below it), with a written reason.

    Raises SuppressionError for an unknown or unsuppressible rule or a reason under 10 characters.
    The suppression is written to the resource's metadata, where the checkov gate honours it too.
    """
    validate_suppression(RULES, rule_id, reason)
    targets = [construct] if isinstance(construct, TerraformResource) else resources(construct)
    for target in targets:
        existing = [s for s in getattr(target, "_compliance_suppressions", []) if s["id"] != rule_id]
        existing.append({"id": rule_id, "reason": reason.strip()})
        target._compliance_suppressions = existing
        target.add_override(f"//.{SUPPRESSIONS_KEY}", existing)
