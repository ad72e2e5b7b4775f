"""RDS Data API: Aurora's data-level gates and its sequences, one statement per question.

HTTPS with the function's IAM role and a Secrets Manager secret, on the writer; no network path to the
database. Each call is a single statement in its own transaction (see cutover.sql).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

from cutover import sql


class DataGates(NamedTuple):
    tables: int
    without_key: tuple[str, ...]
    loopback_schema: bool
    apply_exceptions: int


class SequenceRow(NamedTuple):
    name: str
    used_by: str
    last_value: int | None  # None: never used on this database
    column_max: int | None  # None: every column using it is empty
    new_value: int
    refusal: str | None
    set_to: int | None  # what setval was called with (None: not set)


class SequenceRefusedError(RuntimeError):
    """At least one sequence cannot be moved past its columns' maximum plus the gap; none was set."""


def _int(value) -> int | None:
    return None if value is None else int(value)


class DataApiGateway:
    def __init__(self, client, *, cluster_arn: str, secret_arn: str, database: str, schemas: tuple[str, ...]):
        self.client, self.cluster_arn, self.secret_arn, self.database = client, cluster_arn, secret_arn, database
        self.schemas = ",".join(schemas)

    def query(self, statement: str, **parameters: object) -> list[dict]:
        typed = [{"name": name, "value": _typed(value)} for name, value in parameters.items()]
        response = self.client.execute_statement(
            resourceArn=self.cluster_arn, secretArn=self.secret_arn, database=self.database, sql=statement,
            parameters=typed, formatRecordsAs="JSON")
        return json.loads(response.get("formattedRecords") or "[]")

    def data_gates(self, since: datetime) -> DataGates:
        row = self.query(sql.DATA_GATES, schemas=self.schemas, since=since.isoformat())[0]
        return DataGates(int(row["tables"]), tuple(n for n in (row["without_key"] or "").split(", ") if n),
                         bool(row["loopback_schema"]), int(row["apply_exceptions"]))

    def marker(self, table: str, token: str) -> bool:
        """Whether the fence's marker `token` has reached Aurora (DMS replicated it in commit order)."""
        return bool(self.query(sql.marker_seen(table), token=token))

    def sequences(self, gap: int, *, apply: bool) -> list[SequenceRow]:
        """The plan (apply=False, changes nothing) or the sync; a sync with any refusal sets nothing and raises."""
        rows = [SequenceRow(r["sequence_name"], r["used_by"], _int(r["last_value"]), _int(r["column_max"]),
                            int(r["new_value"]), r["refusal"], _int(r["set_to"]))
                for r in self.query(sql.SEQUENCES, schemas=self.schemas, gap=gap, apply=apply)]
        refused = [f"{r.name} ({r.refusal})" for r in rows if r.refusal]
        if apply and refused:
            raise SequenceRefusedError(f"no sequence was set: {', '.join(refused)}")
        return rows


def _typed(value: object) -> dict:
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    return {"stringValue": str(value)}
