"""Checkpoints: encrypted parameters under the suffix prefix, written once, then owned by the controller."""

from __future__ import annotations

import json


def test_parameters(synthesized):
    params = synthesized.resources("aws_ssm_parameter")
    prefix = f"/migration/{synthesized.config.environment_suffix}/"
    assert len(params) == 2
    for param in params:
        assert param["name"].startswith(prefix)
        assert param["type"] == "SecureString" and param["key_id"].startswith("${aws_kms_key.")
        assert param["lifecycle"]["ignore_changes"] == ["value"]
        json.loads(param["value"])
    state = json.loads(next(p for p in params if p["name"].endswith("/state"))["value"])
    assert state["phase"] == "replicating" and state["writer"] == {"onprem": 100, "aurora": 0}
