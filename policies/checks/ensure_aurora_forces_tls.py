"""The checkov twin of MIG-TLS-002; the rule and its statement are in aspects/rules/."""

from policies.twin import AspectTwin

check = AspectTwin("MIG-TLS-002")
