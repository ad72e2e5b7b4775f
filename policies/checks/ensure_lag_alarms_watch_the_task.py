"""The checkov twin of MIG-MON-001; the rule and its statement are in aspects/rules/."""

from policies.twin import AspectTwin

check = AspectTwin("MIG-MON-001")
