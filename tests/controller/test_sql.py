"""Every statement the controller runs, on a real PostgreSQL through the Data API's request shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import psycopg
import pytest
from cutover.gateways.data import DataApiGateway, SequenceRefusedError
from shared import sql

from tests.data_api import DataApiOverPostgres
from tests.pg import last_values

ROOT_SCHEMA = (__import__("pathlib").Path(__file__).resolve().parents[1] / "sql" / "schema.sql").read_text()
CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:aurora-test01"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-test01-AbCdEf"
GAP = 1_000_000


@pytest.fixture
def database(postgres, request):
    name = f"t_{request.node.name[:40].lower().replace('[', '_').replace(']', '').replace('-', '_')}"
    dsn = postgres.create_database(name)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(ROOT_SCHEMA)
    return dsn, name


def gateway(dsn: str, name: str, schemas=("public",)) -> tuple[DataApiGateway, DataApiOverPostgres]:
    client = boto3.client("rds-data", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    api = DataApiOverPostgres(dsn, resource_arn=CLUSTER, secret_arn=SECRET, database=name)
    api.attach(client)
    return DataApiGateway(client, cluster_arn=CLUSTER, secret_arn=SECRET, database=name, schemas=schemas), api


def scalar(dsn: str, statement: str):
    with psycopg.connect(dsn) as connection:
        return connection.execute(statement).fetchone()[0]


def test_data_gates_count_the_migrated_tables_and_name_those_without_a_key(database):
    dsn, name = database
    data, _ = gateway(dsn, name)
    gates = data.data_gates(datetime(2026, 1, 1, tzinfo=UTC))
    # 11 tables: the partitioned parent counts once, its partition and other.not_migrated not at all.
    assert gates.tables == 11
    # A nullable unique column is no key; a NOT NULL unique one is.
    assert gates.without_key == ("public.audit_log", "public.loose_unique") and gates.without_key_count == 2
    assert gates.loopback_schema is False and gates.apply_exceptions == 0
    assert data.without_key_page() == ["public.audit_log", "public.loose_unique"]
    assert data.without_key_page("public.audit_log") == ["public.loose_unique"]


def test_data_gates_see_the_loopback_schema_and_only_newer_apply_exceptions(database):
    dsn, name = database
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("CREATE SCHEMA awsdms_loopback")
        # The table DMS creates on the target for rows it could not apply.
        connection.execute('CREATE TABLE public.awsdms_apply_exceptions ("TASK_NAME" varchar(128) NOT NULL, '
                           '"TABLE_OWNER" varchar(128) NOT NULL, "TABLE_NAME" varchar(128) NOT NULL, '
                           '"ERROR_TIME" timestamp NOT NULL, "STATEMENT" text NOT NULL, "ERROR" text NOT NULL)')
        connection.execute("INSERT INTO public.awsdms_apply_exceptions VALUES "
                           "('fwd', 'public', 'payments', '2026-11-20 08:00', 'UPDATE ...', 'no row'), "
                           "('fwd', 'public', 'ledger', '2026-11-20 10:00', 'INSERT ...', 'duplicate key')")
    data, _ = gateway(dsn, name)
    gates = data.data_gates(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    assert gates.loopback_schema is True and gates.apply_exceptions == 1
    assert gates.tables == 11  # DMS's own tables are not migrated tables


def test_the_plan_finds_every_kind_of_sequence_and_changes_nothing(database):
    dsn, name = database
    data, api = gateway(dsn, name)
    rows = {r.name: r for r in data.sequence_plan(GAP)}
    assert set(rows) == {"public.payments_id_seq", "public.ledger_id_seq", "public.refunds_id_seq",
                         "public.shared_ids", 'public."CardTokens_TokenId_seq"', "public.empty_table_id_seq",
                         "public.events_id_seq"}
    assert rows["public.shared_ids"].used_by == "public.invoices.id, public.receipts.id"
    assert rows["public.shared_ids"].column_max == 950 and rows["public.shared_ids"].new_value == 950 + GAP
    assert rows["public.payments_id_seq"].last_value == 40 and rows["public.payments_id_seq"].new_value == 40 + GAP
    assert rows["public.ledger_id_seq"].last_value is None  # ids copied in, sequence never used
    assert rows["public.ledger_id_seq"].new_value == 5_000_000_000 + GAP
    assert rows["public.events_id_seq"].column_max == 88  # the partitioned parent's rows
    assert rows["public.empty_table_id_seq"].column_max is None and rows["public.empty_table_id_seq"].new_value == GAP
    assert all(r.refusal is None for r in rows.values())
    plan = data.sequences(GAP, apply=False)
    assert (plan.sequences, plan.to_move, plan.refused, plan.moved) == (7, 7, 0, 0)
    assert plan.largest[0] == ("public.ledger_id_seq", None, "5000000000", str(5_000_000_000 + GAP))
    assert scalar(dsn, "SELECT last_value FROM public.ledger_id_seq") == 1  # untouched
    assert len(api.calls) == 2  # one page, one summary


def test_the_sync_sets_every_sequence_past_its_columns_and_never_backwards(database):
    dsn, name = database
    data, _ = gateway(dsn, name)
    synced = data.sequences(GAP, apply=True)
    assert synced.moved == synced.sequences == 7
    assert scalar(dsn, "SELECT last_value FROM public.refunds_id_seq") == 700 + GAP
    with psycopg.connect(dsn, autocommit=True) as connection:
        assert connection.execute("INSERT INTO public.refunds (note) VALUES ('new') RETURNING id").fetchone()[0] \
            == 700 + GAP + 1
        assert connection.execute('INSERT INTO public."CardTokens" ("Pan") VALUES (\'x\') RETURNING "TokenId"'
                                  ).fetchone()[0] == 31 + GAP + 1
        assert connection.execute("INSERT INTO public.invoices DEFAULT VALUES RETURNING id").fetchone()[0] \
            == 950 + GAP + 1
        assert connection.execute("INSERT INTO public.events (at) VALUES ('2026-06-01') RETURNING id").fetchone()[0] \
            == 88 + GAP + 1
        connection.execute("SELECT setval('public.ledger_id_seq', 9000000000)")  # already further along
    before = last_values(dsn)
    again = data.sequences(GAP, apply=True)
    after = last_values(dsn)
    assert after["public.ledger_id_seq"] == 9_000_000_000  # never backwards
    # A second sync moves only the sequences whose columns grew since (here by the inserts above).
    moved = {n for n in after if after[n] != before[n]}
    assert moved == {"public.refunds_id_seq", 'public."CardTokens_TokenId_seq"', "public.shared_ids",
                     "public.events_id_seq"} and again.moved == 4
    assert after["other.not_migrated_id_seq"] == before["other.not_migrated_id_seq"]  # outside the migrated schemas


def test_a_sequence_that_would_pass_its_maximum_refuses_the_whole_sync(database):
    dsn, name = database
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("CREATE TABLE public.tiny (id smallserial PRIMARY KEY); INSERT INTO public.tiny VALUES (12)")
    data, _ = gateway(dsn, name)
    plan = {r.name: r for r in data.sequence_plan(GAP)}
    assert plan["public.tiny_id_seq"].refusal == f"needs {12 + GAP}, above its maximum 32767"
    summary = data.sequences(GAP, apply=False)
    assert summary.refused == 1 and summary.refusals == (("public.tiny_id_seq", f"needs {12 + GAP}, above its maximum 32767"),)
    before = last_values(dsn)
    with pytest.raises(SequenceRefusedError, match=r"public\.tiny_id_seq"):
        data.sequences(GAP, apply=True)
    assert last_values(dsn) == before  # nothing was set


def test_the_number_of_calls_is_one_per_page(database):
    dsn, name = database
    with psycopg.connect(dsn, autocommit=True) as connection:
        for n in range(40):
            connection.execute(f"CREATE TABLE public.extra_{n} (id serial PRIMARY KEY)")
    data, api = gateway(dsn, name)
    synced = data.sequences(GAP, apply=True)
    assert synced.sequences == 47 and synced.moved == 47 and len(api.calls) == synced.calls == 2  # plan, apply
    data.data_gates(datetime(2026, 1, 1, tzinfo=UTC))
    assert len(api.calls) == 3


def test_a_schema_pattern_with_a_literal_underscore_matches_only_itself(database):
    dsn, name = database
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("CREATE SCHEMA pay_ops; CREATE SCHEMA payxops; "
                           "CREATE TABLE pay_ops.t (id serial PRIMARY KEY); CREATE TABLE payxops.t (id serial PRIMARY KEY)")
    data, _ = gateway(dsn, name, schemas=("pay\\_ops",))
    assert [r.name for r in data.sequence_plan(GAP)] == ["pay_ops.t_id_seq"]


def test_the_onprem_statement_after_a_rollback_runs_and_never_moves_backwards(database, postgres):
    """Drain mode: one statement for on-prem's psql, however many sequences; run there once the reverse task has
    brought Aurora's rows back."""
    dsn, name = database
    data, _ = gateway(dsn, name)
    data.sequences(GAP, apply=True)  # Aurora took writes after the flip
    onprem = postgres.create_database(f"{name}_onprem")
    statement = sql.inline(sql.SEQUENCES, schemas="public", gap=GAP, apply=True)
    with psycopg.connect(onprem, autocommit=True) as connection:
        connection.execute(ROOT_SCHEMA)
        connection.execute("INSERT INTO public.refunds (id, note) VALUES (700 + 1000001, 'from aurora, replicated')")
        connection.execute("SELECT setval('public.payments_id_seq', 1999999999)")  # already ahead on-prem
        connection.execute(statement)
        refund = connection.execute("INSERT INTO public.refunds (note) VALUES ('back on-prem') RETURNING id").fetchone()[0]
        payments = connection.execute("SELECT last_value FROM public.payments_id_seq").fetchone()[0]
    assert refund > 700 + GAP + 1  # past every id Aurora issued
    assert payments == 1999999999
    assert statement.count(";") == 1 and ":gap" not in statement


def test_the_statements_are_single_statements():
    for statement in (sql.DATA_GATES, sql.SEQUENCES, sql.SEQUENCE_PAGE, sql.WITHOUT_KEY_PAGE):
        assert statement.strip().count(";") == 0


def test_the_plan_is_empty_before_anything_is_migrated(postgres):
    dsn = postgres.create_database("t_empty")
    data, _ = gateway(dsn, "t_empty")
    assert data.sequences(GAP, apply=True).sequences == 0 and list(data.sequence_plan(GAP)) == []
    gates = data.data_gates(datetime.now(UTC) - timedelta(days=1))
    assert gates.tables == 0 and gates.without_key == () and gates.without_key_count == 0
