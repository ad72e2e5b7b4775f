"""The checkov twin of MIG-DMS-001; the rule and its statement are in aspects/rules/."""

from policies.twin import AspectTwin

check = AspectTwin("MIG-DMS-001")
