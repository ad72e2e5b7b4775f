"""The sequence sync's full scans are named before the flip: a sequence-fed column no valid, whole index leads
with, with its table's size and its scan's time; the gate refuses past half the sync's budget."""

from __future__ import annotations

import psycopg
import pytest
from cutover.gates import SCAN_BUDGET_SECONDS, DataChecks, data_gates
from shared import sql

from tests.data_api import psycopg_statement


@pytest.fixture(scope="module")
def database(postgres):
    dsn = postgres.create_database("sequence_scans")
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("""
            CREATE SCHEMA app;
            CREATE TABLE app.keyed (id bigserial PRIMARY KEY);
            CREATE SEQUENCE app.ticket_seq;
            CREATE TABLE app.tickets (id bigserial PRIMARY KEY, ticket bigint DEFAULT nextval('app.ticket_seq'));
            CREATE TABLE app.partial (id bigserial, note text);
            CREATE INDEX partial_recent ON app.partial (id) WHERE note IS NOT NULL;
            CREATE TABLE app.behind (id bigserial, other int);
            CREATE INDEX behind_other_id ON app.behind (other, id);
            INSERT INTO app.tickets (ticket) SELECT g FROM generate_series(1, 50000) g;
            ANALYZE app.tickets;
        """)
    return dsn


def scans(dsn: str) -> dict:
    statement = psycopg_statement(sql.SEQUENCE_SCANS)
    with psycopg.connect(dsn) as connection:
        cursor = connection.execute(statement, {"schemas": "app"})
        return dict(zip([c.name for c in cursor.description], cursor.fetchone(), strict=True))


def test_columns_no_whole_index_leads_with_are_named_with_size(database):
    found = scans(database)
    # ticket (no index), partial.id (only a partial index), behind.id (second in its index); never a key column.
    assert found["columns"] == 3, found
    assert found["sample"].startswith("app.tickets.ticket (2 MiB"), found["sample"]
    assert "app.partial.id" in found["sample"] and "app.behind.id" in found["sample"]
    assert "app.keyed" not in found["sample"] and "app.tickets.id" not in found["sample"]
    with psycopg.connect(database, autocommit=True) as admin:
        admin.execute("CREATE INDEX tickets_ticket ON app.tickets (ticket)")
        try:
            assert "app.tickets.ticket" not in scans(database)["sample"]
        finally:
            admin.execute("DROP INDEX app.tickets_ticket")


def test_the_gate_refuses_scans_past_half_the_sync_budget():
    def gate(seconds: float):
        checks = DataChecks(3, (), True, 0, "2026-12-01", "1", "in-sync", scans=(2, seconds, "app.t.n (9000 MiB, 45 s)"))
        return next(g for g in data_gates(checks, flip=False) if g.name.startswith("sequence sync reads"))

    assert gate(SCAN_BUDGET_SECONDS).ok and not gate(SCAN_BUDGET_SECONDS + 0.1).ok
    assert "app.t.n (9000 MiB, 45 s)" in gate(45).measured
