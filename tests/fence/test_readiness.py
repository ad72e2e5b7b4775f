"""What a side must not hold when the cutover moves, measured by the dry run on a real PostgreSQL with real
sessions: unlogged tables and large objects (replication cannot carry them), a transaction open past the bound
and DDL in progress (the close would cut them), each named; a clean side passes; nothing is changed."""

from __future__ import annotations

import time

import psycopg
from cutover.gates import readiness_gates


def admin(d, side: str):
    return psycopg.connect(d.postgres.dsn(d.databases[side]), autocommit=True)


def readiness(d, side: str = "onprem", bound: int = 30) -> dict:
    return d.fence().check(side, long_transaction_seconds=bound)["readiness"]


def test_a_clean_side_passes_every_readiness_gate(deployment):
    check = deployment.fence().check("onprem")
    gates = readiness_gates(check, closing="onprem")
    assert [g.ok for g in gates] == [True, True], gates


def test_unlogged_tables_and_large_objects_are_named(deployment):
    d = deployment
    with admin(d, "onprem") as a:
        a.execute(f'SET ROLE "{d.owner_role}"')
        a.execute("CREATE UNLOGGED TABLE public.scratch (id bigserial PRIMARY KEY, doc oid)")
        a.execute("SELECT lo_create(0)")
    r = readiness(d)
    assert r["unlogged"] == 1 and r["unlogged_sample"] == "public.scratch"
    assert r["large_objects"] == 1 and r["large_object_columns"] == "public.scratch.doc"
    gate, _ = readiness_gates({"side": "onprem", "readiness": r}, closing="onprem")
    assert not gate.ok and "public.scratch" in gate.measured and "large_objects=1" in gate.measured


def test_a_long_transaction_and_ddl_in_progress_on_the_side_to_close_are_named(deployment):
    d = deployment
    with d.session("onprem", d.plain_role) as batch, d.session("onprem", d.owner_role) as migration:
        batch.execute("BEGIN")
        batch.execute("SELECT count(*) FROM public.payments")
        migration.execute("BEGIN")
        migration.execute("LOCK TABLE public.balances IN ACCESS EXCLUSIVE MODE")  # an ALTER TABLE under way
        time.sleep(1.2)
        r = readiness(d, bound=1)
        assert r["long_transactions"] == 2 and d.plain_role in r["long_sample"] and "open " in r["long_sample"]
        assert r["ddl_in_progress"] == 1 and f"{d.owner_role} on public.balances" in r["ddl_sample"]
        _, quiet = readiness_gates({"side": "onprem", "readiness": r}, closing="onprem")
        assert not quiet.ok and "public.balances" in quiet.measured
        assert len(readiness_gates({"side": "onprem", "readiness": r}, closing="aurora")) == 1  # not closing here
        batch.execute("COMMIT")
        migration.execute("COMMIT")
    assert readiness(d, bound=1)["long_transactions"] == 0


def test_a_fence_role_that_cannot_see_other_sessions_is_not_taken_for_a_quiet_side(deployment):
    d = deployment
    with psycopg.connect(d.postgres.dsn(), autocommit=True) as a:
        a.execute(f'REVOKE pg_read_all_stats FROM "{d.fence_role}"')
    r = readiness(d)
    _, quiet = readiness_gates({"side": "onprem", "readiness": r}, closing="onprem")
    assert not r["can_read_stats"] and not quiet.ok and "GRANT pg_read_all_stats" in quiet.measured
