"""No resource carries a password or secret value in its configuration."""

import re

from aspects.engine import Resource, Rule, Severity, Violation

SECRET_KEY = re.compile(r"(^|_)(password|passwd|secret_string|secret_key|access_key|private_key|token)($|_)")
ALLOWED_KEYS = {"manage_master_user_password", "master_user_secret_kms_key_id", "secrets_manager_arn",
                "secrets_manager_access_role_arn", "password_wo_version", "master_password_wo_version"}


def literal_secrets(value: object, path: str = ""):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "//":
                continue
            here = f"{path}.{key}" if path else key
            number = isinstance(inner, int) and not isinstance(inner, bool)
            literal = number or (isinstance(inner, str) and inner != "" and not inner.startswith("${"))
            if SECRET_KEY.search(key) and key not in ALLOWED_KEYS and literal:
                yield here
            yield from literal_secrets(inner, here)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from literal_secrets(inner, f"{path}[{index}]")


def check(r: Resource):
    return [Violation(path, "a literal secret value would be stored in cdk.tf.json and the state")
            for path in literal_secrets(r.body)]


RULE = Rule(
    id="MIG-SEC-001", statement=__doc__.strip(), severity=Severity.ERROR, resource_types=frozenset(),
    all_resources=True,
    rationale="Terraform configuration and state are read by many; credentials belong in Secrets Manager.",
    fix="use manage_master_user_password, or secrets_manager_arn for DMS", check=check, suppressible=False)
