"""The checkov twin of MIG-MIG-007; the rule and its statement are in aspects/rules/."""

from policies.twin import AspectTwin

check = AspectTwin("MIG-MIG-007")
