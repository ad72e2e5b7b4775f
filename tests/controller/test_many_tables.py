"""Thousands of tables (a schema per tenant) on the suite's real PostgreSQL, through the Data API's limits:
every answer under 1 MiB (no row over 64 KB), every statement under its 45 s, and the sync still one flip,
past every column, never backwards, and none set if any one would pass its maximum."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import psycopg
import pytest
from cutover.gateways.data import DataApiGateway, SequenceRefusedError
from shared import sql

from tests.data_api import MAX_RESPONSE_BYTES, DataApiOverPostgres
from tests.many_tables import create
from tests.pg import last_values

CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:aurora-test01"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-test01-AbCdEf"
GAP = 1_000_000
TABLES = 6_000  # past the ~4,900 sequences at which one answer per sequence would pass 1 MiB
LOOSE = 1_000


@pytest.fixture(scope="module")
def tenants(postgres):
    dsn = postgres.create_database("t_many_tables")
    patterns = create(dsn, TABLES, without_key=LOOSE)
    client = boto3.client("rds-data", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    api = DataApiOverPostgres(dsn, resource_arn=CLUSTER, secret_arn=SECRET, database="t_many_tables")
    api.attach(client)
    return dsn, DataApiGateway(client, cluster_arn=CLUSTER, secret_arn=SECRET, database="t_many_tables",
                               schemas=tuple(patterns)), api


@pytest.mark.slow
def test_thousands_of_tables_sync_all_or_nothing_within_the_data_apis_limits(tenants):
    dsn, data, api = tenants
    gates = data.data_gates(datetime(2026, 1, 1, tzinfo=UTC))
    assert gates.tables == TABLES + LOOSE and gates.without_key_count == LOOSE
    assert len(gates.without_key) == sql.SAMPLE  # named, but only as many as a reader takes in

    # One tenant's smallserial near its end: the whole sync is refused and not one sequence moves.
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("CREATE TABLE tenant_0000.tiny (id smallserial PRIMARY KEY); "
                           "INSERT INTO tenant_0000.tiny VALUES (32000)")
    before = last_values(dsn)
    with pytest.raises(SequenceRefusedError, match=r"tenant_0000\.tiny_id_seq"):
        data.sequences(GAP, apply=True)
    assert last_values(dsn) == before
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("DROP TABLE tenant_0000.tiny")

    calls = len(api.calls)
    synced = data.sequences(GAP, apply=True)
    assert synced.sequences == synced.moved == TABLES and synced.refused == 0
    pages, applies = TABLES // sql.PAGE_ROWS + 1, -(-TABLES // sql.APPLY_ROWS)  # the last page comes back short
    assert synced.calls == len(api.calls) - calls == pages + applies
    with psycopg.connect(dsn) as connection:  # every sequence past its column plus the gap
        behind, = connection.execute("""
            SELECT count(*) FROM pg_sequences s
            WHERE s.schemaname LIKE 'tenant\\_%%' AND s.last_value < 1000 + substring(s.sequencename
                  FROM 'payments_([0-9]+)_id_seq')::int + %s""", (GAP,)).fetchone()
    assert behind == 0
    again = data.sequences(GAP, apply=True)
    assert again.moved == 0  # never backwards, nothing to do twice

    largest, seconds = max(size for size, _ in api.answers), max(t for _, t in api.answers)
    print(f"\n{TABLES} sequences: {len(api.answers)} Data API calls, largest answer {largest} bytes, "
          f"longest statement {seconds:.2f} s")
    assert largest < MAX_RESPONSE_BYTES / 4 and seconds < 45


@pytest.mark.slow
def test_the_whole_plan_and_the_tables_without_a_key_are_read_page_by_page(tenants):
    _, data, _ = tenants
    rows = list(data.sequence_plan(GAP))
    assert len(rows) == TABLES and len({r.name for r in rows}) == TABLES
    assert [r.name for r in rows] == sorted(r.name for r in rows)
    loose, after = [], ""
    while page := data.without_key_page(after):
        loose += page
        after = page[-1]
    assert len(loose) == LOOSE and len(set(loose)) == LOOSE


def test_the_checkpoint_keeps_a_bounded_sequence_summary_whatever_the_schema():
    """A 4 KB parameter: the longest names, the largest numbers, as many refusals as a schema can have."""
    from cutover import logic
    from cutover.models import State, SyncSequences
    from shared.sequences import SequencePlan

    name = '"' + "x" * 63 + '"."' + "y" * 63 + '"'
    plan = SequencePlan(20_000, 20_000, 5_000, tuple((name, f"needs {10 ** 18}, above its maximum {2 ** 63 - 1}")
                                                    for _ in range(sql.SAMPLE)),
                        tuple((name, str(2 ** 62), str(2 ** 62), str(2 ** 63 - 1)) for _ in range(sql.SAMPLE)), 0, 80)
    state = logic.completed(State(), SyncSequences(GAP), plan)
    assert len(state.to_json().encode()) < 4096


@pytest.mark.slow
def test_a_rollback_at_thousands_of_tables_completes_through_the_fence_function(tenants):
    """On-prem's side of a rollback at 6,000 tables, as the controller drives it through the fence function: the
    sync with Aurora's positions as floors one statement a call, the close answering with every final position,
    the catch-up of those Aurora's last ids reached; then on-prem stands past every id Aurora issued."""
    import pg8000.native
    from fence.service import Fence, Scope
    from shared import sequences

    dsn, _, _ = tenants
    parts = dict(item.split("=", 1) for item in dsn.split())

    def connect(side):
        return pg8000.native.Connection(parts["user"], host=parts["host"], port=int(parts["port"]),
                                        database=parts["dbname"])

    fence = Fence(connect, Scope(("app_rw",), ("tenant\\_%",), "public.cutover_marker", {}))
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("CREATE SCHEMA IF NOT EXISTS cutover_fence")
        admin.execute("CREATE TABLE IF NOT EXISTS public.cutover_marker (token text PRIMARY KEY, side text NOT NULL, "
                      "at timestamptz NOT NULL DEFAULT clock_timestamp())")
    connection = connect("onprem")
    query = lambda statement, **params: [dict(zip([c["name"] for c in connection.columns], row, strict=True))  # noqa: E731
                                         for row in connection.run(statement, **params)]
    issued = {name: value + 5_000 for name, value in sequences.positions(query, "tenant\\_%").items()}  # Aurora's
    synced = sequences.sync(query, "tenant\\_%", GAP, apply=True, floors=issued)
    assert synced.refused == 0 and synced.sequences >= TABLES
    closed = fence.fence("onprem", token="rollback-6000", close=True)  # stands for Aurora's close: every position
    try:
        assert len(closed["positions"]) >= TABLES
        final = {name: value + 2 * GAP for name, value in issued.items()}  # Aurora went on past the gap
        caught = sequences.catch_up(query, final, synced.values, GAP)
        assert caught["needed"] == len(final) and caught["moved"] == len(final)
    finally:
        fence.unfence("onprem")
        connection.close()
    after = last_values(dsn)
    assert all(after[name] > value for name, value in final.items())
