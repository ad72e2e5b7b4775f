"""RDS Data API: Aurora's data-level gates and its sequences, one statement per question.

HTTPS with the function's IAM role and a Secrets Manager secret, on the writer; no network path to the
database. Each call is a single statement in its own transaction (see shared.sql).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from shared import sequences as sequence_sync
from shared import sql
from shared.sequences import SequencePlan, SequenceRefusedError, SequenceRow  # noqa: F401 - the gateway's answers


class DataGates(NamedTuple):
    tables: int
    without_key: tuple[str, ...]  # the first sql.SAMPLE of them, by name
    loopback_schema: bool
    apply_exceptions: int
    without_key_count: int = 0


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
                         bool(row["loopback_schema"]), int(row["apply_exceptions"]), int(row["without_key_count"]))

    def without_key_page(self, after: str = "") -> list[str]:
        return [r["table_name"] for r in self.query(sql.WITHOUT_KEY_PAGE, schemas=self.schemas, after=after)]

    def marker(self, table: str, token: str) -> bool:
        """Whether the fence's marker `token` has reached Aurora (DMS replicated it in commit order)."""
        return bool(self.query(sql.marker_seen(table), token=token))

    def sequences(self, gap: int, *, apply: bool) -> SequencePlan:
        """The plan (apply=False, changes nothing) or the sync; a sync with any refusal sets nothing and raises.
        One call per sql.PAGE_ROWS sequences to plan, one per sql.APPLY_ROWS to apply (shared.sequences)."""
        return sequence_sync.sync(self.query, self.schemas, gap, apply=apply)

    def sequence_scans(self) -> tuple[int, float, str]:
        """Sequence-fed columns no index leads with: how many, the seconds their scans take together (estimated
        from the catalog's size), the largest named."""
        row = self.query(sql.SEQUENCE_SCANS, schemas=self.schemas)[0]
        return int(row["columns"]), float(row["scan_seconds"]), row["sample"] or ""

    def positions(self) -> dict[str, int]:
        """Every migrated sequence's last value on Aurora (what it has issued), for on-prem's sync at a rollback."""
        return sequence_sync.positions(self.query, self.schemas)

    def sequence_page(self, gap: int, after: str = "") -> tuple[list[SequenceRow], str | None]:
        """The plan of the migrated sequences among the next sql.PAGE_ROWS of the database (read-only), and the
        next page's start (None at the end)."""
        return sequence_sync.page(self.query, self.schemas, gap, after)

    def sequence_plan(self, gap: int) -> Iterator[SequenceRow]:
        """Every migrated sequence's plan, page after page."""
        return sequence_sync.plan_rows(self.query, self.schemas, gap)


def _typed(value: object) -> dict:
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    return {"stringValue": str(value)}
