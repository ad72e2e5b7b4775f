"""The synthesized actions, enforced by moto's IAM authorization on a full cutover and rollback.

moto authorizes each request against the resource "*" for these services and cannot supply the
context keys of conditions (it treats an unmet condition on an Allow as a deny), so here each
statement keeps its actions with Resource "*" and no Condition; the ARN and condition scoping is
proven in test_least_privilege.py.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from cutover.logic import CommandRefusedError
from cutover.models import parse
from moto import mock_aws, settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import IAMRequest

from tests.controller import fakes
from tests.controller.walk import run_full_cutover
from tests.controller.world import World

DIRECT = ("route53:", "ssm:", "dms:", "cloudwatch:", "rds:", "sns:")  # called by the controller itself


# moto names CloudWatch actions by the endpoint prefix ("monitoring:") rather than IAM's "cloudwatch:".
MOTO_PREFIX = {"cloudwatch:": "monitoring:"}


def moto_names(action: str) -> str:
    for iam_prefix, moto_prefix in MOTO_PREFIX.items():
        if action.startswith(iam_prefix):
            return moto_prefix + action[len(iam_prefix):]
    return action


def actions_only(statements: list[dict]) -> list[dict]:
    return [{"Sid": s["Sid"], "Effect": "Allow", "Action": [moto_names(a) for a in s["Action"]], "Resource": "*"}
            for s in statements]


@pytest.fixture(scope="module")
def statements(synthesized) -> list[dict]:
    policy = next(p for p in synthesized.resources("aws_iam_role_policy") if p["name"].startswith("cutover-controller-"))
    return json.loads(policy["policy"])["Statement"]


def signature_checked_except_route53(check):
    """moto miscalculates Route 53's request signature (SignatureDoesNotMatch for a correctly signed
    request); its actions are still authorized, only that one signature check is left out."""
    def wrapper(self):
        if self._service != "route53":
            check(self)
    return wrapper


class DeniedError(Exception):
    """The first denial ends the run: what follows it proves nothing more."""


def cutover_as(statements: list[dict]) -> list[str]:
    """Provision without authorization, then run the controller with only these statements; return
    what was denied (an error that stopped a step, or a notice that could not be sent)."""
    with mock_aws():
        world = World()
        iam = fakes.client("iam")
        iam.create_user(UserName="controller")
        iam.put_user_policy(UserName="controller", PolicyName="cutover-controller",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
        key = iam.create_access_key(UserName="controller")["AccessKey"]
        for name in ("route53", "ssm", "dms", "cloudwatch", "rds", "sns"):
            client = fakes.client(name, key["AccessKeyId"], key["SecretAccessKey"])
            if name == "route53":
                client.meta.events.register("after-call.route53.ChangeResourceRecordSets", world._pending)
            world.clients[name] = client
        controller = world.controller()
        denied: list[str] = []

        def handle(event):
            result = controller.handle(parse(event))
            denied.extend(result.get("problems", []))  # failed actions are kept pending, not raised
            if denied:
                raise DeniedError
            return result

        world.handle = handle
        world.expect_backup()
        # DMS's latency for the whole run, put before authorization begins (the test's keys are no IAM user).
        world.clock.advance(240)
        world.latency(2, minutes=300)
        world.clock.advance(-240)
        original, check = settings.INITIAL_NO_AUTH_ACTION_COUNT, IAMRequest.check_signature
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        ActionAuthenticatorMixin.request_count = 0
        IAMRequest.check_signature = signature_checked_except_route53(check)
        try:
            world.latency = lambda *a, **k: None  # the metrics were put before authorization began
            run_full_cutover(world)
            result = world.handle({"command": "rollback", "reason": "drill"})
            assert result["phase"] == "rolled-back"
        except DeniedError:
            pass
        except (ClientError, AssertionError, CommandRefusedError) as error:  # a refusal names what it could not read
            response = getattr(error, "response", {})
            denied.append(f"{response.get('ResponseMetadata', {}).get('HTTPStatusCode')} "
                          f"{json.dumps(response, default=str) if response else error}")
        finally:
            settings.INITIAL_NO_AUTH_ACTION_COUNT = original
            IAMRequest.check_signature = check
    return denied


def test_the_synthesized_actions_suffice_under_moto_authorization(statements):
    assert cutover_as(actions_only(statements)) == []


def test_each_directly_used_statement_is_enforced(statements):
    enforced = 0
    for index, statement in enumerate(statements):
        if not any(a.startswith(DIRECT) for a in statement["Action"]) or statement["Sid"] in (
                "RestoreToCheckpoint", "PremigrationAssessment"):
            # Used by AWS services on the function's behalf, only by restore, or answered by Stubber (moto has
            # no assessment runs): test_least_privilege proves those.
            continue
        denied = cutover_as(actions_only(statements[:index] + statements[index + 1:]))
        assert denied and ("AccessDenied" in denied[0] or "HTTP 403" in denied[0]), (statement["Sid"], denied)
        enforced += 1
    assert enforced >= 5
