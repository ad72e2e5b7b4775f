"""The checkov twin of MIG-TLS-003; the rule and its statement are in aspects/rules/."""

from policies.twin import AspectTwin

check = AspectTwin("MIG-TLS-003")
