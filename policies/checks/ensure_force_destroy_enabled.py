"""The checkov twin of MIG-DES-004; the rule and its statement are in aspects/rules/."""

from policies.twin import AspectTwin

check = AspectTwin("MIG-DES-004")
