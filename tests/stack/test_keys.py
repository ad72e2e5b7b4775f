"""Keys: customer-managed, rotated, short deletion window, explicit policies per service."""

from __future__ import annotations

import json


def policies(synthesized):
    return [json.loads(k["policy"]) for k in synthesized.resources("aws_kms_key")]


def test_three_rotated_keys_with_aliases(synthesized):
    keys = synthesized.resources("aws_kms_key")
    assert len(keys) == 3
    assert all(k["enable_key_rotation"] is True and k["deletion_window_in_days"] == 7 for k in keys)
    aliases = {a["name"] for a in synthesized.resources("aws_kms_alias")}
    suffix = synthesized.config.environment_suffix
    assert aliases == {f"alias/migration-{p}-{suffix}" for p in ("database", "app", "logs")}


def test_key_policies_name_the_services_that_use_them(synthesized):
    region = synthesized.config.region
    via = set()
    principals = set()
    for policy in policies(synthesized):
        for statement in policy["Statement"]:
            via.update(statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", []))
            service = statement["Principal"].get("Service") if isinstance(statement["Principal"], dict) else None
            principals.update([service] if isinstance(service, str) else service or [])
    assert via == {f"{s}.{region}.amazonaws.com" for s in ("rds", "dms", "backup", "secretsmanager", "s3", "ssm",
                                                            "sns", "sqs", "lambda")}
    assert principals == {f"logs.{region}.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"}


def test_no_key_policy_grants_to_everyone(synthesized):
    for policy in policies(synthesized):
        for statement in policy["Statement"]:
            assert statement["Principal"] != "*"
            assert statement["Principal"].get("AWS") != "*"
