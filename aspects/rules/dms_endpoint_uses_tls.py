"""DMS endpoints connect with TLS (ssl_mode is set and is not none)."""

from aspects.engine import Resource, Rule, Severity, Violation

TLS_MODES = {"require", "verify-ca", "verify-full"}


def check(r: Resource):
    mode = r.get("ssl_mode")
    return [] if mode in TLS_MODES else [Violation("ssl_mode", f"ssl_mode is {mode!r}; DMS defaults to none")]


RULE = Rule(
    id="MIG-TLS-001", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset({"aws_dms_endpoint"}),
    rationale="Replication carries every row and change of the payment database between networks.",
    fix="set ssl_mode to require (or verify-full with a certificate)", check=check, suppressible=False)
