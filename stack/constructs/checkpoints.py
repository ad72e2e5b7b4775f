"""Parameter Store checkpoints of the migration state, versioned by Parameter Store itself.

The stack writes only the first version; every later version is the controller's, so the value is
ignored after creation and a redeploy never rewinds the migration.
"""

from __future__ import annotations

import json

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from stack import naming

INITIAL_STATE = {
    "version": 1,
    "phase": "replicating",
    "weights": {"onprem": 100, "aurora": 0},
    "step": 0,
    "paused": False,
    "reason": "deployed",
    "updated_at": None,
    "step_started_at": None,
    "pre_cutover_time": None,
    "restore": None,
}
INITIAL_EVENT = {"event_type": None, "task": None, "time": None}


class Checkpoints(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, key_arn: str):
        super().__init__(scope, id_)
        owned_by_controller = TerraformResourceLifecycle(ignore_changes=["value"])
        self.prefix = naming.name("parameter_prefix", suffix)
        self.state, self.last_event = (
            SsmParameter(self, key.removeprefix("parameter_").replace("_", "-"), name=naming.name(key, suffix),
                         type="SecureString", key_id=key_arn, tier="Standard", description=description,
                         value=json.dumps(initial, sort_keys=True), lifecycle=owned_by_controller)
            for key, initial, description in (
                ("parameter_state", INITIAL_STATE, "Cutover state; each version is a checkpoint"),
                ("parameter_last_event", INITIAL_EVENT, "Last DMS task state event seen by the controller"),
            )
        )
        self.arns = [self.state.arn, self.last_event.arn]
