"""Parity of schema and access between the two databases, read through the fence function's own code on a real
PostgreSQL: each kind of difference is named with its object and the line that differs, clean databases pass,
and a fenced Aurora counts what its fence will give back."""

from __future__ import annotations

import psycopg
import pytest
from shared import parity

from tests.data_api import psycopg_statement
from tests.pg import ThrowawayPostgres


def compare(d, **kwargs) -> dict[str, parity.Parity]:
    fence = d.fence()

    def query(side, statement, **params):
        return fence.query(side, statement, params)["rows"]

    return parity.compare(query, "public", f"{d.owner_role},{d.plain_role}", **kwargs)


def admin(d, side: str, as_owner: bool = True):
    connection = psycopg.connect(d.postgres.dsn(d.databases[side]), autocommit=True)
    if as_owner:
        connection.execute(f'SET ROLE "{d.owner_role}"')
    return connection


def test_the_same_databases_are_identical_in_both_areas(deployment):
    result = compare(deployment)
    assert result["schema"].same and result["access"].same, {a: p.summary() for a, p in result.items()}
    assert result["schema"].objects["table"] == (3, 3) and result["access"].objects["privileges"][0] > 0


def test_a_fenced_aurora_counts_what_its_fence_will_give_back(deployment):
    d = deployment
    d.fence().fence("aurora", end_sessions=True)
    with psycopg.connect(d.dsn("aurora", d.plain_role)) as plain, pytest.raises(psycopg.errors.InsufficientPrivilege):
        plain.execute("INSERT INTO public.payments (who) VALUES ('x')")
    assert compare(d)["access"].same
    with admin(d, "aurora", as_owner=False) as a:  # what the fence took is no longer in its record: a real loss
        a.execute("DELETE FROM cutover_fence.revoked WHERE table_name = 'payments'")
    access = compare(d)["access"]
    assert not access.same and any(x.name == f"{d.plain_role} on public.payments" and "INSERT" in x.what
                                   for x in access.differences), access.summary()


# (what is changed on Aurora, the kind and name the difference is reported under, words of the line that differs)
SCHEMA_DIFFERENCES = {
    "a column type": ("ALTER TABLE public.payments ALTER COLUMN who TYPE varchar(40)", "table", "public.payments",
                      "column who character varying(40)"),
    "a default": ("ALTER TABLE public.payments ALTER COLUMN who SET DEFAULT 'nobody'", "table", "public.payments",
                  "default 'nobody'"),
    "nullability": ("ALTER TABLE public.balances ALTER COLUMN who SET NOT NULL", "table", "public.balances",
                    "not null"),
    "a primary key": ("ALTER TABLE public.balances DROP CONSTRAINT balances_pkey", "table", "public.balances",
                      "primary key (id)"),
    "a unique constraint": ("ALTER TABLE public.payments ADD UNIQUE (who)", "table", "public.payments", "unique (who)"),
    "a column DMS did not carry": ("ALTER TABLE public.payments DROP COLUMN who", "table", "public.payments",
                                   "column who text"),
    "a missing table": ("DROP TABLE public.balances", "table", "public.balances", "missing on aurora"),
    "a sequence's increment": ("ALTER SEQUENCE public.payments_id_seq INCREMENT BY 2", "sequence",
                               "public.payments_id_seq", "increment 2"),
    "a view": ("CREATE VIEW public.recent AS SELECT id FROM public.payments", "view", "public.recent",
               "only on aurora"),
    "a function body": ("CREATE FUNCTION public.fee(n numeric) RETURNS numeric LANGUAGE sql AS 'SELECT n * 0.02'",
                        "function", "public.fee(n numeric)", "body"),
    "a trigger": ("CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';"
                  "CREATE TRIGGER touch BEFORE INSERT ON public.payments FOR EACH ROW EXECUTE FUNCTION public.touch()",
                  "trigger", "touch on public.payments", "only on aurora"),
}


@pytest.mark.parametrize("difference", sorted(SCHEMA_DIFFERENCES))
def test_each_schema_difference_is_named_with_its_object_and_line(deployment, difference):
    d = deployment
    statement, kind, name, words = SCHEMA_DIFFERENCES[difference]
    if kind == "function":  # the same function on both sides, then another body on Aurora
        with admin(d, "onprem") as a:
            a.execute(statement)
        statement = statement.replace("0.02", "0.03")
    with admin(d, "aurora") as a:
        a.execute(statement)
    result = compare(d)
    schema = result["schema"]
    assert not schema.same, difference
    named = [x for x in schema.differences if x.kind == kind and x.name == name]
    assert named and words in named[0].what, (difference, schema.summary())
    assert result["access"].same or kind == "table", result["access"].summary()  # a dropped table takes its grants


def test_an_extension_on_one_side_is_named_with_its_version(deployment):
    d = deployment
    with admin(d, "onprem", as_owner=False) as a:
        a.execute("CREATE EXTENSION citext")
    schema = compare(d)["schema"]
    assert [(x.kind, x.name, x.what) for x in schema.differences] == [("extension", "citext", "missing on aurora")]


def test_a_grant_missing_on_aurora_and_a_role_that_cannot_connect_there_are_named(deployment):
    d = deployment
    with admin(d, "aurora") as a:
        a.execute(f'REVOKE SELECT ON public.balances FROM "{d.plain_role}"')
    with admin(d, "aurora", as_owner=False) as a:
        a.execute(f'REVOKE CONNECT ON DATABASE "{d.databases["aurora"]}" FROM PUBLIC')
        a.execute(f'GRANT CONNECT ON DATABASE "{d.databases["aurora"]}" TO "{d.owner_role}"')
    access = compare(d)["access"]
    found = {(x.kind, x.name): x.what for x in access.differences}
    assert found[("role", d.plain_role)] == "'connect true' on onprem, 'connect false' on aurora", found
    assert "SELECT" in found[("privileges", f"{d.plain_role} on public.balances")], found
    assert next(iter(found)) == ("role", d.plain_role)  # a role's problem comes first: it explains the rest
    assert compare(d)["schema"].same


def test_a_role_missing_on_aurora_is_named_first():
    """Roles are per cluster: Aurora here is a second cluster, where the application's reader was never created and
    the fence's setup is not installed yet (parity reads its record only where it exists)."""
    onprem, aurora = ThrowawayPostgres().start(), ThrowawayPostgres().start()
    try:
        for cluster, roles in ((onprem, ("app_writer", "app_reader")), (aurora, ("app_writer",))):
            cluster.create_database("payments")
            with psycopg.connect(cluster.dsn("payments"), autocommit=True) as a:
                for role in roles:
                    a.execute(f"CREATE ROLE {role} LOGIN")
                if cluster is onprem:
                    a.execute("CREATE SCHEMA cutover_fence")
                    for statement in _fence_setup():
                        a.execute(statement)
                a.execute("CREATE TABLE public.payments (id bigserial PRIMARY KEY, amount numeric NOT NULL)")
                a.execute(f"GRANT SELECT ON public.payments TO {', '.join(roles)}")

        def query(side, statement, **params):
            cluster = onprem if side == "onprem" else aurora
            with psycopg.connect(cluster.dsn("payments")) as connection:
                cursor = connection.execute(psycopg_statement(parity.sql.BY_NAME[statement]), params)
                return [dict(zip([c.name for c in cursor.description], row, strict=True)) for row in cursor]

        result = parity.compare(query, "public", "app_writer,app_reader")
        assert result["schema"].same
        first = result["access"].differences[0]
        assert (first.kind, first.name, first.what) == ("role", "app_reader", "missing on aurora")
    finally:
        onprem.stop()
        aurora.stop()


def test_answers_are_bounded_whatever_differs(deployment):
    """Everything differs (Aurora's tables all gone): the summary stays at the buckets, the listing at the buckets
    listed, and the differences named at the cap."""
    d = deployment
    with admin(d, "aurora") as a:
        for n in range(60):
            a.execute(f"CREATE TABLE public.extra_{n} (id int)")
    schema = compare(d, max_buckets=2, max_named=3)["schema"]
    assert not schema.same and len(schema.differences) <= 3 and schema.unlisted
    assert schema.objects["table"] == (3, 63)


def _fence_setup() -> tuple[str, ...]:
    from fence import sql as fence_sql

    return fence_sql.SETUP



def test_the_controller_budgets_the_bound_each_parity_statement_runs_under():
    from cutover import settings

    assert settings.PARITY_CALL_SECONDS == parity.STATEMENT_SECONDS
    assert settings.MIN_FUNCTION_TIMEOUT_SECONDS <= 900  # Lambda's longest timeout
