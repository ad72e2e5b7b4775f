"""Where the deployment is and how to reach it: the outputs file (or flags), the AWS profile and region the
AWS CLI would use, the operator's identity, and the controller invoked through one seam."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUTPUTS = Path("cfn-outputs/flat-outputs.json")

Transport = Callable[[dict], dict]


class ConsoleError(RuntimeError):
    """A usage or configuration problem: one line for the operator, exit code 2."""


class AwsError(RuntimeError):
    """AWS could not be reached or refused the call itself (not the controller's answer): exit code 4."""


@dataclass(frozen=True)
class Deployment:
    function: str
    outputs: dict[str, str]

    def output(self, key: str) -> str:
        if key not in self.outputs:
            raise ConsoleError(f"the outputs have no {key!r}: run `make outputs` after `cdktf deploy`, or pass --outputs")
        return self.outputs[key]


def find(outputs: Path | None, function: str | None) -> Deployment:
    """--function wins; otherwise cutover_function_name from --outputs or cfn-outputs/flat-outputs.json."""
    path = outputs or OUTPUTS
    values: dict[str, str] = {}
    if path.exists():
        try:
            raw = json.loads(path.read_text())
        except ValueError as error:
            raise ConsoleError(f"{path}: not JSON ({error})") from None
        if not isinstance(raw, dict):
            raise ConsoleError(f"{path}: expected a JSON object of outputs")
        values = {str(k): str(v) for k, v in raw.items()}
    elif outputs is not None or function is None:
        raise ConsoleError(f"{path} not found: run `make outputs` after `cdktf deploy`, or pass --outputs FILE or "
                           "--function NAME")
    name = function or values.get("cutover_function_name")
    if not name:
        raise ConsoleError(f"{path} has no cutover_function_name; pass --function NAME")
    return Deployment(name, values)


def session() -> Any:
    """boto3's session as the AWS CLI would make it: AWS_PROFILE, AWS_REGION (or AWS_DEFAULT_REGION)."""
    import boto3

    return boto3.Session(profile_name=os.environ.get("AWS_PROFILE") or None,
                         region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None)


def operator(aws: Any) -> str:
    """Who is at the console, as STS says: declared by the caller, not proven (see the report)."""
    try:
        return aws.client("sts").get_caller_identity()["Arn"]
    except Exception as error:
        raise AwsError(f"cannot tell who you are (sts:GetCallerIdentity): {error}") from None


class OutcomeUnknownError(RuntimeError):
    """A change was sent and no answer came back (a timeout, a function error): it may or may not have happened."""


def read_timeout(function_seconds: int) -> int:
    """Past the controller's own timeout (5 % and at least 5 s more), so the console never gives up first."""
    return function_seconds + max(5, function_seconds // 20)
CHANGES_NOTHING = ("status", "list")


def function_timeout(aws: Any, deployment: Deployment) -> int:
    """The controller's timeout, from the outputs, or from Lambda itself when the outputs do not carry it."""
    recorded = deployment.outputs.get("cutover_function_timeout_seconds")
    if recorded:
        try:
            return int(float(recorded))
        except ValueError:
            raise ConsoleError(f"cutover_function_timeout_seconds: {recorded!r} is not a number of seconds") from None
    try:
        return int(aws.client("lambda").get_function_configuration(FunctionName=deployment.function)["Timeout"])
    except Exception as error:
        raise AwsError(f"cannot read {deployment.function}'s timeout (lambda:GetFunctionConfiguration): {error}") \
            from None


def lambda_transport(aws: Any, function: str, timeout_seconds: int) -> Transport:
    """Each payload sent once: no retries (a retried change would be made twice), and a read timeout past the
    controller's own, so an answer that takes the controller's whole time still arrives."""
    from botocore.config import Config

    client = aws.client("lambda", config=Config(read_timeout=read_timeout(timeout_seconds), connect_timeout=10,
                                                retries={"total_max_attempts": 1, "mode": "standard"}))

    def invoke(payload: dict) -> dict:
        changing = payload.get("command") not in CHANGES_NOTHING and not payload.get("dry_run")
        try:
            response = client.invoke(FunctionName=function, InvocationType="RequestResponse",
                                     Payload=json.dumps(payload).encode())
        except Exception as error:
            if changing and _maybe_delivered(error):
                raise OutcomeUnknownError(f"{payload['command']}: no answer from {function} ({error})") from None
            raise AwsError(f"cannot invoke {function}: {error}") from None
        body = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError"):
            if changing:
                raise OutcomeUnknownError(f"{payload['command']}: {function} failed: {body.get('errorMessage', body)}")
            raise AwsError(f"{function} failed: {body.get('errorMessage', body)}")
        return body

    return invoke


def _maybe_delivered(error: Exception) -> bool:
    """Whether the request may have reached the function: anything but a refusal before it ran (a client error
    such as AccessDenied or ResourceNotFound, or a connection that was never made)."""
    from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, NoCredentialsError

    return not isinstance(error, ClientError | EndpointConnectionError | ConnectTimeoutError | NoCredentialsError)
