"""Fence function entry point: validate the request, connect to the side it names, run one operation.

It runs in the migration VPC (the network path DMS uses) and is invoked only by the cutover controller.
Credentials are two existing Secrets Manager secrets read through the VPC's endpoint; TLS is required on
both connections, as DMS's endpoints require it (`require`: encrypted; the CA is not pinned here either).
"""

from __future__ import annotations

import json
import logging
import os
import ssl

from fence.service import LAYERS, QUERIES, SIDES, Fence, FenceRefusedError, Scope

LOG = logging.getLogger("fence")
OPERATIONS = ("check", "measure", "install", "fence", "unfence", "settle", "marker", "query")
CONNECT_TIMEOUT_SECONDS = 10


class RequestError(ValueError):
    """A request the controller should never send: named field, the rule, nothing done."""


def _secret(arn: str) -> dict:
    import boto3

    return json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def connect(side: str):
    import pg8000.native

    env = os.environ
    prefix = side.upper()
    secret = _secret(env[f"{prefix}_SECRET_ARN"])
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    connection = pg8000.native.Connection(
        secret["username"], password=secret["password"], host=env[f"{prefix}_HOST"],
        port=int(env[f"{prefix}_PORT"]), database=env[f"{prefix}_DATABASE"], ssl_context=context,
        timeout=CONNECT_TIMEOUT_SECONDS, application_name="cutover-fence", startup_params=SESSION)
    return connection


# Set in the connection's startup packet, so no round trip is spent on them (on-prem is across the VPN): a statement
# ends before the function's FENCE_CALL_SECONDS; a lock is waited for briefly; catalog questions are never compiled
# (JIT costs a tenth of a second on a plan over every table's grants, and saves nothing on them).
SESSION = {"statement_timeout": "45s", "lock_timeout": "10s", "jit": "off"}


def scope() -> Scope:
    env = os.environ
    return Scope(roles=_names(env["APPLICATION_ROLES"]), patterns=_names(env["MIGRATED_SCHEMAS"]),
                 control_table=env["CONTROL_TABLE"],
                 allow={side: _names(env.get(f"{side.upper()}_ALLOWED_ROLES", "")) for side in SIDES})


def _names(value: str) -> tuple[str, ...]:
    return tuple(name for name in value.split(",") if name)


def parse(event: object) -> dict:
    if not isinstance(event, dict):
        raise RequestError("request: expected a JSON object")
    operation = event.get("operation")
    if operation not in OPERATIONS:
        raise RequestError(f"operation: {operation!r} is not one of {', '.join(OPERATIONS)}")
    side = event.get("side")
    if side not in SIDES:
        raise RequestError(f"side: {side!r} is not one of {', '.join(SIDES)}")
    token = event.get("token", "")
    if not isinstance(token, str) or len(token) > 100 or (operation == "marker" and not token):
        raise RequestError("token: a string of at most 100 characters (required to read a marker)")
    layer = event.get("layer", "all")
    if layer not in LAYERS:
        raise RequestError(f"layer: {layer!r} is not one of {', '.join(LAYERS)}")
    bound = event.get("long_transaction_seconds", 30)
    if not isinstance(bound, int) or isinstance(bound, bool) or not 1 <= bound <= 86_400:
        raise RequestError("long_transaction_seconds: a whole number of seconds from 1 to 86400")
    for flag in ("end_sessions", "close"):
        if not isinstance(event.get(flag, False), bool):
            raise RequestError(f"{flag}: true or false")
    statement, params = event.get("statement", ""), event.get("params", {})
    if operation == "query" and statement not in QUERIES:
        raise RequestError(f"statement: {statement!r} is not one of {', '.join(sorted(QUERIES))}")
    if not isinstance(params, dict) or not all(isinstance(k, str) and isinstance(v, str | int | bool)
                                               for k, v in params.items()):
        raise RequestError("params: an object of names to strings, whole numbers or booleans")
    unknown = set(event) - {"operation", "side", "token", "end_sessions", "close", "layer",
                            "statement", "params", "long_transaction_seconds"}
    if unknown:
        raise RequestError(f"request: unknown field(s) {', '.join(sorted(unknown))}")
    return {"operation": operation, "side": side, "token": token, "layer": layer,
            "statement": statement, "params": params, "long_transaction_seconds": bound,
            "end_sessions": event.get("end_sessions", False), "close": event.get("close", False)}


def run(request: dict, fence: Fence) -> dict:
    side = request["side"]
    match request["operation"]:
        case "check":
            return fence.check(side, long_transaction_seconds=request["long_transaction_seconds"])
        case "measure":
            return fence.measure(side)
        case "install":
            return fence.install(side)
        case "fence":
            return fence.fence(side, token=request["token"], end_sessions=request["end_sessions"],
                               close=request["close"])
        case "unfence":
            return fence.unfence(side, request["layer"])
        case "settle":
            return fence.settle(side)
        case "marker":
            return fence.marker(side, request["token"])
        case "query":
            return fence.query(side, request["statement"], request["params"])
    raise AssertionError(request["operation"])


def handle(event, context=None) -> dict:
    return respond(event, Fence(connect, scope()))


def respond(event: object, fence: Fence) -> dict:
    """One request's answer: a refusal or a failure is an answer too (ok false, the reason), never a raise."""
    try:
        request = parse(event)
        result = {"ok": True, **run(request, fence)}
    except (RequestError, FenceRefusedError) as error:
        result = {"ok": False, "error": str(error)}
    except Exception as error:  # a database that does not answer: the controller reads this as a failed step
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    LOG.info("fence", extra={"request": event if isinstance(event, dict) else str(event), "result": result})
    return result
