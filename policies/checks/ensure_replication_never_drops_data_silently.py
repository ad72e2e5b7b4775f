"""The checkov twin of MIG-MIG-005; the rule and its statement are in aspects/rules/."""

from policies.twin import AspectTwin

check = AspectTwin("MIG-MIG-005")
