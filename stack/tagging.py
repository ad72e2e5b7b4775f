"""Required tags on every resource, applied by an aspect on the stack node."""

from __future__ import annotations

import jsii
from constructs import IConstruct

from foundation.cdk import IAspect, TerraformResource, TerraformStack


@jsii.implements(IAspect)
class RequiredTags:
    """Puts the required tags on every taggable resource itself (provider default_tags are invisible to
    checkov and to reviewers of cdk.tf.json); tags a construct set explicitly win."""

    def __init__(self, tags: dict[str, str]):
        self.tags = tags

    def visit(self, node: IConstruct) -> None:
        # Runs on the stack node, before its children, so the compliance aspect sees tagged resources.
        if not isinstance(node, TerraformStack):
            return
        for child in node.node.find_all():
            if isinstance(child, TerraformResource) and hasattr(type(child), "tags_input"):
                child.tags = {**self.tags, **(child.tags_input or {})}


@jsii.implements(IAspect)
class StackAspects:
    """Runs stack-level aspects, in order, when CDKTF visits the stack node.

    Every registered aspect costs one Node-to-Python callback per construct; aspects that only act on
    the stack node share this one registration instead.
    """

    def __init__(self, *aspects: IAspect):
        self.aspects = list(aspects)

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, TerraformStack):
            for aspect in self.aspects:
                aspect.visit(node)
