"""The RDS Data API's ExecuteStatement answered by a real PostgreSQL: the controller's SQL runs for real.

Registered on a boto3 rds-data client, it checks the call's shape (cluster, secret, database, typed
named parameters), runs the statement in its own transaction as the Data API does, and answers with
`formattedRecords` as the API returns them for formatRecordsAs=JSON.
"""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal

from botocore.awsrequest import AWSResponse

# The Data API's documented limits: a response of at most 1 MiB, no row over 64 KB, and a statement that runs
# longer than 45 s without continueAfterTimeout is answered with an error.
MAX_RESPONSE_BYTES = 1024 * 1024
MAX_ROW_BYTES = 64 * 1024
STATEMENT_TIMEOUT_SECONDS = 45
PLACEHOLDER = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


def psycopg_statement(statement: str) -> str:
    """A statement's :name parameters (the Data API's, pg8000's) as psycopg's %(name)s."""
    return PLACEHOLDER.sub(r"%(\1)s", statement.replace("%", "%%"))
VALUE_KINDS = ("stringValue", "longValue", "booleanValue", "doubleValue", "isNull")


class DataApiOverPostgres:
    def __init__(self, dsn: str, *, resource_arn: str, secret_arn: str, database: str):
        self.dsn, self.resource_arn, self.secret_arn, self.database = dsn, resource_arn, secret_arn, database
        self.calls: list[dict] = []
        self.answers: list[tuple[int, float]] = []  # per call: the response's bytes, the statement's seconds

    def attach(self, client) -> None:
        client.meta.events.register("before-parameter-build.rds-data.ExecuteStatement", self._keep)
        client.meta.events.register("before-call.rds-data.ExecuteStatement", self._answer)

    def _keep(self, params, **_):
        self.calls.append(dict(params))

    def _answer(self, **_):
        import psycopg

        params = self.calls[-1]
        expected = {"resourceArn": self.resource_arn, "secretArn": self.secret_arn, "database": self.database,
                    "formatRecordsAs": "JSON"}
        wrong = {k: params.get(k) for k, v in expected.items() if params.get(k) != v}
        if wrong:
            return _error("BadRequestException", f"unexpected {wrong}")
        values = {}
        for parameter in params.get("parameters", []):
            (kind, value), = parameter["value"].items()
            assert kind in VALUE_KINDS, kind
            values[parameter["name"]] = None if kind == "isNull" else value
        sql = psycopg_statement(params["sql"])
        started = time.perf_counter()
        try:
            with psycopg.connect(self.dsn, autocommit=False) as connection, connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT_SECONDS}s'")
                cursor.execute(sql, values)
                rows = [] if cursor.description is None else [
                    {column.name: _json(value) for column, value in zip(cursor.description, row, strict=True)}
                    for row in cursor.fetchall()]
                updated = cursor.rowcount if cursor.description is None else 0
        except psycopg.Error as error:
            return _error("DatabaseErrorException", str(error).strip())
        records = json.dumps(rows)
        self.answers.append((len(records), time.perf_counter() - started))
        if len(records) > MAX_RESPONSE_BYTES:
            return _error("BadRequestException", "Database returned more than the allowed response size limit")
        if any(len(json.dumps(row)) > MAX_ROW_BYTES for row in rows):
            return _error("BadRequestException", "Database response exceeded the 64 KB row size limit")
        return (AWSResponse(None, 200, {}, None),
                {"formattedRecords": records, "numberOfRecordsUpdated": max(updated, 0)})


def _json(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _error(code: str, message: str):
    return (AWSResponse(None, 400, {}, None),
            {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}})
