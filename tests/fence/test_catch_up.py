"""The sequences synced before the write pause and caught up inside it, on two real databases: whatever on-prem
issues between the sync and its close (more than the gap included), no id is ever handed out by both."""

from __future__ import annotations

import itertools

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared import sequences

GAP = 1000
TABLES = ("payments", "refunds", "ledger")
_runs = itertools.count()


def runner(dsn: str):
    """shared.sequences' query over a real connection: :name parameters, rows as dicts."""
    import pg8000.native

    parts = dict(item.split("=", 1) for item in dsn.split())
    connection = pg8000.native.Connection(parts["user"], host=parts["host"], port=int(parts["port"]),
                                          database=parts["dbname"])

    def query(statement: str, **params):
        rows = connection.run(statement, **params)
        return [dict(zip([c["name"] for c in connection.columns], row, strict=True)) for row in rows]

    return query, connection


@pytest.fixture(scope="module")
def sides(postgres):
    n = next(_runs)
    dsns = {side: postgres.create_database(f"catch_up_{side}_{n}") for side in ("onprem", "aurora")}
    for dsn in dsns.values():
        with psycopg.connect(dsn, autocommit=True) as admin:
            for table in TABLES:
                admin.execute(f"CREATE TABLE public.{table} (id bigserial PRIMARY KEY, note text)")
            admin.execute("CREATE TABLE public.small (id serial PRIMARY KEY)")  # an int sequence: max 2147483647
    return dsns


def reset(dsns: dict[str, str], rows: int) -> None:
    """Both sides as after the full load: the same rows; on-prem's sequences where its inserts left them."""
    for side, dsn in dsns.items():
        with psycopg.connect(dsn, autocommit=True) as admin:
            for table in (*TABLES, "small"):
                admin.execute(f"TRUNCATE public.{table}")
                admin.execute(f"INSERT INTO public.{table} (id) SELECT generate_series(1, %s)", (rows,))
                admin.execute(f"SELECT setval(pg_get_serial_sequence('public.{table}', 'id'), %s, %s)",
                              (rows if side == "onprem" else 1, side == "onprem"))


def positions(dsn: str) -> dict[str, int]:
    query, connection = runner(dsn)
    try:
        return sequences.positions(query, "public")
    finally:
        connection.close()


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 5000), issued=st.lists(st.integers(0, 3 * GAP), min_size=len(TABLES),
                                                  max_size=len(TABLES)))
def test_ids_issued_between_the_sync_and_the_close_are_never_issued_again(sides, rows, issued):
    reset(sides, rows)
    query, connection = runner(sides["aurora"])
    try:
        synced = sequences.sync(query, "public", GAP, apply=True)  # before the pause
        for table, count in zip(TABLES, issued, strict=True):  # on-prem keeps taking inserts until its close
            with psycopg.connect(sides["onprem"], autocommit=True) as onprem:
                onprem.execute(f"INSERT INTO public.{table} (note) SELECT 'late' FROM generate_series(1, %s)",
                               (count,))
        final = positions(sides["onprem"])  # what the close answers with
        caught = sequences.catch_up(query, final, synced.values, GAP)
    finally:
        connection.close()
    after = positions(sides["aurora"])
    for name, used in final.items():
        assert after[name] > used, (name, used, after[name])  # Aurora's next id was never issued on-prem
    overtaken = sum(1 for name, used in final.items() if used >= synced.values[name])
    assert caught.get("needed", 0) == overtaken and caught["moved"] == overtaken


def test_a_catch_up_that_would_pass_a_maximum_sets_nothing_and_names_it(sides):
    reset(sides, 10)
    query, connection = runner(sides["aurora"])
    try:
        synced = sequences.sync(query, "public", GAP, apply=True)
        before = positions(sides["aurora"])
        final = {name: (2_147_483_000 if "small" in name else value + 5 * GAP)
                 for name, value in synced.values.items()}
        with pytest.raises(sequences.SequenceRefusedError, match="small_id_seq needs 2147484000"):
            sequences.catch_up(query, final, synced.values, GAP)
    finally:
        connection.close()
    assert positions(sides["aurora"]) == before  # refused whole: not one sequence moved


@pytest.mark.parametrize("created_after_the_sync", [False, True])
def test_a_sequence_the_sync_did_not_set_is_still_caught_up(sides, created_after_the_sync):
    """No column uses it (an invoice number the application draws with nextval), or it appeared after the sync:
    the sync set nothing for it, so the catch-up judges it against Aurora's own value."""
    name = f"invoice_no_{next(_runs)}"
    reset(sides, 10)

    def create():
        for dsn in sides.values():
            with psycopg.connect(dsn, autocommit=True) as admin:
                admin.execute(f"CREATE SEQUENCE public.{name}")

    if not created_after_the_sync:
        create()
    query, connection = runner(sides["aurora"])
    try:
        synced = sequences.sync(query, "public", GAP, apply=True)
        assert f"public.{name}" not in synced.values
        if created_after_the_sync:
            create()
        with psycopg.connect(sides["onprem"], autocommit=True) as onprem:
            onprem.execute(f"SELECT nextval('public.{name}') FROM generate_series(1, 50)")
        final = positions(sides["onprem"])
        caught = sequences.catch_up(query, final, synced.values, GAP)
        after = positions(sides["aurora"])
    finally:
        connection.close()
        for dsn in sides.values():
            with psycopg.connect(dsn, autocommit=True) as admin:
                admin.execute(f"DROP SEQUENCE IF EXISTS public.{name}")
    assert after.get(f"public.{name}", 0) > 50 and caught["moved"] >= 1


def test_the_final_read_by_oid_is_the_named_read_with_sequences_created_and_dropped_in_between(sides):
    """The close reads every position named, then again inside the pause by oid alone: a sequence created in between
    is named all the same, one dropped is gone, and every value is what a named read finds."""
    n = next(_runs)
    with psycopg.connect(sides["onprem"], autocommit=True) as admin:
        admin.execute(f"CREATE SEQUENCE public.early_{n}; SELECT nextval('public.early_{n}')")
        admin.execute(f"CREATE SCHEMA elsewhere_{n}; CREATE SEQUENCE elsewhere_{n}.other; "
                      f"SELECT nextval('elsewhere_{n}.other')")
    query, connection = runner(sides["onprem"])
    try:
        first = sequences.read_positions(query, "public")
        with psycopg.connect(sides["onprem"], autocommit=True) as admin:
            admin.execute(f"CREATE SEQUENCE public.late_{n}; SELECT setval('public.late_{n}', 77)")
            admin.execute(f"DROP SEQUENCE public.early_{n}")
            admin.execute("INSERT INTO public.payments (note) VALUES ('after the first read')")
        final = sequences.read_positions(query, "public", first.names)
        fresh = sequences.read_positions(query, "public")
    finally:
        connection.close()
        with psycopg.connect(sides["onprem"], autocommit=True) as admin:
            admin.execute(f"DROP SEQUENCE IF EXISTS public.late_{n}; DROP SCHEMA elsewhere_{n} CASCADE")
    assert f"public.early_{n}" in first.values and f"elsewhere_{n}.other" not in first.values
    assert final.values == fresh.values
    assert final.values[f"public.late_{n}"] == 77 and f"public.early_{n}" not in final.values
