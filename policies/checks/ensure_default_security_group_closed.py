"""The checkov twin of MIG-NET-001; the rule and its statement are in aspects/rules/."""

from policies.twin import AspectTwin

check = AspectTwin("MIG-NET-001")
