"""Parameter Store checkpoints of the migration state, versioned by Parameter Store itself.

The stack writes only the first version; every later version is the controller's, so the value is
ignored after creation and a redeploy never rewinds the migration.
"""

from __future__ import annotations

from constructs import Construct

from foundation.aws.ssm_parameter import SsmParameter
from foundation.cdk import TerraformResourceLifecycle
from foundation.controller_contract import initial_event_record, initial_state
from stack import naming


class Checkpoints(Construct):
    def __init__(self, scope: Construct, id_: str, *, suffix: str, key_arn: str):
        super().__init__(scope, id_)
        owned_by_controller = TerraformResourceLifecycle(ignore_changes=["value"])
        self.state, self.last_event = (
            SsmParameter(self, key.removeprefix("parameter_").replace("_", "-"), name=naming.name(key, suffix),
                         type="SecureString", key_id=key_arn, tier="Standard", description=description,
                         value=initial, lifecycle=owned_by_controller)
            for key, initial, description in (
                ("parameter_state", initial_state(), "Cutover state; each version is a checkpoint"),
                ("parameter_last_event", initial_event_record(), "Last DMS task state event seen by the controller"),
            )
        )
        self.arns = [self.state.arn, self.last_event.arn]
