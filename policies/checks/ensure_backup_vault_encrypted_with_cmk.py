"""The checkov twin of MIG-ENC-008; the rule and its statement are in aspects/rules/."""

from policies.twin import AspectTwin

check = AspectTwin("MIG-ENC-008")
