"""The fence function: the only way the controller reaches a database over the network (it runs in the VPC)."""

from __future__ import annotations

import json


class FenceError(RuntimeError):
    """The fence function refused or failed. A refusal changed nothing (a close refused after ending sessions
    reopened the side; the sessions stay ended); a failure without an answer may have done part of it, which the
    next measurement of the fences shows."""


class FenceGateway:
    def __init__(self, client, *, function_name: str):
        self.client, self.function_name = client, function_name

    def call(self, operation: str, side: str, **fields: object) -> dict:
        response = self.client.invoke(FunctionName=self.function_name, InvocationType="RequestResponse",
                                      Payload=json.dumps({"operation": operation, "side": side, **fields}).encode())
        body = response["Payload"].read()
        answer = json.loads(body or b"{}")
        if response.get("FunctionError") or not isinstance(answer, dict):
            raise FenceError(f"fence function failed on {operation} {side}: {str(answer)[:300]}")
        if not answer.get("ok"):
            raise FenceError(f"fence {operation} on {side} refused: {answer.get('error')}")
        return answer

    def fence(self, side: str, token: str = "", end_sessions: bool = False, close: bool = False) -> dict:
        return self.call("fence", side, token=token, end_sessions=end_sessions, close=close)

    def unfence(self, side: str, layer: str = "all") -> dict:
        return self.call("unfence", side, layer=layer)

    def settle(self, side: str) -> dict:
        return self.call("settle", side)

    def install(self, side: str) -> dict:
        return self.call("install", side)

    def measure(self, side: str) -> dict:
        """The fence as it stands on `side`: `fenced` is whether no role outside the allowlist can write now."""
        return self.call("measure", side)

    def marker(self, side: str, token: str) -> str | None:
        return self.call("marker", side, token=token).get("seen_at")

    def query(self, side: str, statement: str, **params: object) -> list[dict]:
        return self.call("query", side, statement=statement, params=params)["rows"]

    def runner(self, side: str):
        """A shared.sequences query over the fence function: each statement one invocation."""
        from shared import sql

        names = {statement: name for name, statement in sql.BY_NAME.items()}
        return lambda statement, **params: self.query(side, names[statement], **params)

    def parity(self) -> dict:
        """Schema and access compared between the two sides, through this function on both (shared.parity)."""
        from shared import parity

        return parity.compare(lambda side, statement, **params: self.query(side, statement, **params))

    def check(self, side: str, long_transaction_seconds: int = 30) -> dict:
        try:
            return self.call("check", side, long_transaction_seconds=long_transaction_seconds)
        except Exception as error:  # an unanswered check is a failing gate, never a pass
            return {"side": side, "reachable": False, "ready": False, "error": str(error)}
