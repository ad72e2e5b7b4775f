"""The checkov twin of MIG-MON-002; the rule and its statement are in aspects/rules/."""

from policies.twin import AspectTwin

check = AspectTwin("MIG-MON-002")
