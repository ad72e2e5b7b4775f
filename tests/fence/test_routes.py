"""Every route PostgreSQL offers around a table grant, tried against both layers of the fence on a real
PostgreSQL with real sessions, as a listed application role and as roles nobody listed."""

from __future__ import annotations

import psycopg
import pytest
from fence.service import FenceRefusedError

INSERT = "INSERT INTO public.payments (who) VALUES (current_user)"


def admin(d, side: str):
    return psycopg.connect(d.postgres.dsn(d.databases[side]), autocommit=True)


def denied(session, statement: str = INSERT) -> bool:
    try:
        session.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def cannot_connect(d, side: str, role: str) -> bool:
    try:
        d.session(side, role).close()
    except psycopg.OperationalError as error:
        assert "permission denied for database" in str(error) or "CONNECT" in str(error), error
        return True
    return False


def rows_after(d, side: str, moment) -> list[str]:
    with admin(d, side) as a:
        return [r[0] for r in a.execute("SELECT who FROM public.payments WHERE at > %s", (moment,)).fetchall()]


@pytest.fixture
def world(deployment):
    """The deployment with the extra actors a reviewer brings: a role nobody listed that holds grants (a batch
    job), a pool that logs in as one role and SET ROLEs to a listed one, and a table written through PUBLIC."""
    d = deployment
    d.batch_role, d.pool_role = f"batch_{d.dms_role}", f"pool_{d.dms_role}"
    with psycopg.connect(d.postgres.dsn(), autocommit=True) as a:
        a.execute(f'CREATE ROLE "{d.batch_role}" LOGIN')
        a.execute(f'CREATE ROLE "{d.pool_role}" LOGIN NOINHERIT')
        a.execute(f'GRANT "{d.plain_role}" TO "{d.pool_role}"')
    for side in d.databases:
        with admin(d, side) as a:
            a.execute(f'SET ROLE "{d.owner_role}"')
            a.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON public.payments TO "{d.batch_role}"')
            a.execute(f'GRANT USAGE ON SEQUENCE public.payments_id_seq TO "{d.batch_role}", PUBLIC')
            a.execute("GRANT INSERT ON public.balances TO PUBLIC")
    return d


# The side that stops serving: closed ---------------------------------------------------------------------


def test_closing_ends_every_outside_session_and_admits_only_the_allowlist(world):
    d = world
    sessions = {role: d.session("onprem", role) for role in (d.owner_role, d.plain_role, d.batch_role)}
    pool = d.session("onprem", d.pool_role)
    pool.execute(f'SET ROLE "{d.plain_role}"')
    idle = d.session("onprem", d.plain_role)
    idle.autocommit = False
    idle.execute(INSERT)  # idle in transaction: its commit must never land
    dms = d.session("onprem", d.dms_role)

    result = d.fence().fence("onprem", token="flip-1", close=True)

    assert result["layer"] == "connect" and result["sessions_ended"] == 5 and result["marker_at"]
    for session in (*sessions.values(), pool):
        with pytest.raises(psycopg.OperationalError):
            session.execute("SELECT 1")
    with pytest.raises(psycopg.OperationalError):
        idle.commit()
    for role in (d.owner_role, d.plain_role, d.batch_role, d.pool_role):
        assert cannot_connect(d, "onprem", role), role
    with psycopg.connect(d.postgres.dsn(), autocommit=True) as a:  # a role created during the cutover
        a.execute(f'CREATE ROLE "late_{d.dms_role}" LOGIN')
    assert cannot_connect(d, "onprem", f"late_{d.dms_role}")
    dms.execute(INSERT)  # the same DMS session, never ended
    with d.session("onprem", d.dms_role) as again:
        again.execute(INSERT)
    assert set(rows_after(d, "onprem", result["marker_at"])) == {d.dms_role}
    measured = d.fence().measure("onprem")
    assert measured["fenced"] and measured["closed"] and measured["sessions"] == 0
    dms.close()


def test_a_prepared_transaction_refuses_the_close_by_name_and_changes_nothing(world):
    d = world
    with d.session("onprem", d.batch_role) as batch:
        batch.execute("BEGIN")
        batch.execute(INSERT)
        batch.execute("PREPARE TRANSACTION 'xa-batch-1'")
    fence = d.fence()
    check = fence.check("onprem")
    assert not check["ready"] and check["prepared_transactions"] == 1 and "'xa-batch-1'" in check["why_not"]
    with pytest.raises(FenceRefusedError, match="xa-batch-1"):
        fence.fence("onprem", token="flip-x", close=True)
    assert not cannot_connect(d, "onprem", d.batch_role)  # nothing was revoked
    with admin(d, "onprem") as a:
        a.execute("ROLLBACK PREPARED 'xa-batch-1'")
    assert fence.check("onprem")["ready"], fence.check("onprem")["why_not"]


def test_a_superuser_nobody_allowed_refuses_the_close_by_name(world):
    d = world
    with psycopg.connect(d.postgres.dsn(), autocommit=True) as a:
        a.execute(f'CREATE ROLE "root_{d.dms_role}" LOGIN SUPERUSER')
    try:
        check = d.fence().check("onprem")
        assert not check["would_close"] and f"root_{d.dms_role} (superuser)" in check["why_not"]
        with pytest.raises(FenceRefusedError, match=f"root_{d.dms_role}"):
            d.fence().fence("onprem", close=True)
        assert not cannot_connect(d, "onprem", d.plain_role)
    finally:
        with psycopg.connect(d.postgres.dsn(), autocommit=True) as a:
            a.execute(f'DROP ROLE "root_{d.dms_role}"')


def test_a_role_that_can_become_an_allowed_one_refuses_the_fence(world):
    d = world
    with psycopg.connect(d.postgres.dsn(), autocommit=True) as a:
        a.execute(f'GRANT "{d.dms_role}" TO "{d.batch_role}"')
    onprem, aurora = d.fence().check("onprem"), d.fence().check("aurora")
    assert not onprem["would_close"] and d.batch_role in onprem["why_not"]
    assert not aurora["would_hold"] and f"{d.batch_role} as {d.dms_role}" in aurora["why_not"]


def test_lifting_the_close_gives_back_exactly_what_it_took(world):
    d = world
    with admin(d, "onprem") as a:
        before = a.execute("SELECT datacl::text FROM pg_database WHERE datname = current_database()").fetchone()
    fence = d.fence()
    fence.fence("onprem", close=True)
    assert fence.unfence("onprem")["granted"] > 0
    with admin(d, "onprem") as a:
        after = a.execute("SELECT datacl::text FROM pg_database WHERE datname = current_database()").fetchone()
    assert sorted((before[0] or "").strip("{}").split(",")) == sorted((after[0] or "").strip("{}").split(",")) \
        or before == (None,)
    with d.session("onprem", d.plain_role) as plain:
        plain.execute(INSERT)


# The side that serves reads: read-only ---------------------------------------------------------------------


def test_read_only_denies_listed_unlisted_public_and_set_role_writers_and_keeps_reads(world):
    d = world
    fence = d.fence()
    fence.fence("aurora", end_sessions=True)
    for role in (d.owner_role, d.plain_role, d.batch_role):
        with d.session("aurora", role) as session:
            assert denied(session), role
            session.execute("SET transaction_read_only = off")
            assert denied(session), role
            assert denied(session, "INSERT INTO public.balances (who) VALUES ('public grant')"), role
            session.execute("SELECT count(*) FROM public.payments")  # reads keep working
    with d.session("aurora", d.pool_role) as pool:
        pool.execute(f'SET ROLE "{d.plain_role}"')
        assert denied(pool)
    with d.session("aurora", d.dms_role) as dms:
        dms.execute(INSERT)
    assert fence.measure("aurora")["fenced"] is True


def _route(d, owner: str, sql: str) -> None:
    with admin(d, "aurora") as a:
        a.execute("CREATE SCHEMA IF NOT EXISTS side")
        a.execute(f'GRANT USAGE ON SCHEMA side TO PUBLIC; GRANT CREATE ON SCHEMA side TO "{owner}"')
        a.execute(f'SET ROLE "{owner}"')
        a.execute(sql)


ROUTES = {
    "view": ("CREATE VIEW side.pay AS SELECT * FROM public.payments; GRANT INSERT ON side.pay TO PUBLIC",
             "INSERT INTO side.pay (who) VALUES (current_user)", "view side.pay"),
    "definer function": (
        "CREATE FUNCTION side.pay() RETURNS void LANGUAGE sql SECURITY DEFINER AS "
        "$$ INSERT INTO public.payments (who) VALUES ('definer') $$",
        "SELECT side.pay()", "security definer function side.pay()"),
    "rule": ("CREATE TABLE side.inbox (who text); GRANT INSERT ON side.inbox TO PUBLIC; "
             "CREATE RULE forward AS ON INSERT TO side.inbox DO INSTEAD "
             "INSERT INTO public.payments (who) VALUES (NEW.who)",
             "INSERT INTO side.inbox VALUES (current_user)", "rule forward side.inbox"),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_route_owned_by_a_fenced_role_writes_nothing(world, route):
    d = world
    create, write, _ = ROUTES[route]
    _route(d, d.owner_role, create)
    d.fence().fence("aurora", end_sessions=True)
    for role in (d.plain_role, d.batch_role):
        with d.session("aurora", role) as session:
            assert denied(session, write), (route, role)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_route_owned_by_an_allowed_role_refuses_the_fence_by_name(world, route):
    d = world
    create, _, named = ROUTES[route]
    with admin(d, "aurora") as a:
        a.execute(f'SET ROLE "{d.owner_role}"')
        a.execute(f'GRANT ALL ON public.payments TO "{d.dms_role}"')
    _route(d, d.dms_role, create)
    fence = d.fence()
    check = fence.check("aurora")
    assert not check["ready"] and not check["would_hold"] and named in check["why_not"], check["why_not"]
    assert any(r.startswith(named) for r in check["routes"]), check["routes"]
    with pytest.raises(FenceRefusedError, match="outside the allowlist"):
        fence.fence("aurora", end_sessions=True)
    with d.session("aurora", d.plain_role) as plain:
        assert not denied(plain)  # refused whole: nothing was revoked


def test_a_table_created_later_and_a_fence_lifted_by_hand_are_measured_and_fenced_again(world):
    d = world
    with admin(d, "aurora") as a:
        a.execute(f'ALTER DEFAULT PRIVILEGES FOR ROLE "{d.owner_role}" IN SCHEMA public '
                  f'GRANT INSERT ON TABLES TO "{d.plain_role}"')
    fence = d.fence()
    fence.fence("aurora", end_sessions=True)
    with admin(d, "aurora") as a:
        a.execute(f'SET ROLE "{d.owner_role}"')
        a.execute("CREATE TABLE public.later (who text)")
    with d.session("aurora", d.plain_role) as plain:
        assert not denied(plain, "INSERT INTO public.later VALUES ('x')")  # a route until measured
    measured = fence.measure("aurora")
    assert not measured["fenced"] and "public.later" in measured["writable_sample"]
    fence.fence("aurora", end_sessions=True)
    with d.session("aurora", d.plain_role) as plain:
        assert denied(plain, "INSERT INTO public.later VALUES ('x')")
    with psycopg.connect(d.dsn("aurora", d.fence_role), autocommit=True) as by_hand:  # the runbook's last resort
        by_hand.execute("SELECT cutover_fence.unfence()")
    assert fence.measure("aurora")["fenced"] is False


def test_the_dry_run_leaves_the_catalog_as_it_found_it(world):
    d = world
    snapshot = ("SELECT (SELECT string_agg(relname || coalesce(relacl::text, ''), ',' ORDER BY relname) FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace), (SELECT datacl::text FROM pg_database "
                "WHERE datname = current_database()), (SELECT count(*) FROM pg_proc "
                "WHERE pronamespace = 'cutover_fence'::regnamespace)")
    with admin(d, "aurora") as a:
        before = a.execute(snapshot).fetchone()
    check = d.fence().check("aurora")
    assert check["ready"], check["why_not"]
    with admin(d, "aurora") as a:
        assert a.execute(snapshot).fetchone() == before


# The dry run predicts each layer from the catalog in a READ ONLY transaction; the fence proves itself when applied.
# Each situation here is one where a prediction could go wrong: the two must agree on every one.
AGREEMENT = {
    "nothing in the way": [],
    "a column grant beside a table grant": ['GRANT INSERT (who) ON public.payments TO "{batch}"'],
    "a column grant alone": ['CREATE ROLE "col_{dms}" LOGIN', 'GRANT UPDATE (who) ON public.payments TO "col_{dms}"'],
    "pg_write_all_data": ['GRANT pg_write_all_data TO "{batch}"'],
    "a member of an allowed role": ['GRANT "{dms}" TO "{batch}"'],
    "a member of an allowed superuser": ['GRANT postgres TO "{batch}"'],
    "a group nobody listed holding the grants": ['CREATE ROLE "grp_{dms}" NOLOGIN', 'GRANT "grp_{dms}" TO "{batch}"',
                                                 'GRANT INSERT ON public.payments TO "grp_{dms}"'],
    "a login superuser nobody allowed": ['CREATE ROLE "root_{dms}" LOGIN SUPERUSER'],
    "CONNECT granted to a role nobody listed": ['GRANT CONNECT ON DATABASE "{onprem}" TO "{batch}"',
                                                'GRANT CONNECT ON DATABASE "{aurora}" TO "{batch}"'],
    "a PUBLIC column grant": ['GRANT UPDATE (who) ON public.balances TO PUBLIC'],
}


@pytest.mark.parametrize("situation", sorted(AGREEMENT))
def test_the_dry_runs_prediction_is_what_the_fence_does(world, situation):
    d = world
    names = {"batch": d.batch_role, "dms": d.dms_role, "onprem": d.databases["onprem"],
             "aurora": d.databases["aurora"]}
    created = []
    try:
        for statement in AGREEMENT[situation]:
            statement = statement.format(**names)
            for side in ("onprem", "aurora") if "ON public." in statement else (None,):
                with psycopg.connect(d.postgres.dsn(d.databases[side]) if side else d.postgres.dsn(),
                                     autocommit=True) as a:
                    a.execute(statement)
            if statement.startswith("CREATE ROLE"):
                created.append(statement.split('"')[1])
        fence = d.fence()
        predicted = {"aurora": fence.check("aurora")["would_hold"], "onprem": fence.check("onprem")["would_close"]}
        applied = {}
        for side, close in (("aurora", False), ("onprem", True)):
            try:
                fence.fence(side, close=close)
                applied[side] = True
            except FenceRefusedError:
                applied[side] = False
        assert predicted == applied, (situation, predicted, applied)
    finally:
        with psycopg.connect(d.postgres.dsn(), autocommit=True) as a:
            for role in created:
                for database in d.databases.values():
                    with psycopg.connect(d.postgres.dsn(database), autocommit=True) as b:
                        b.execute(f'DROP OWNED BY "{role}"')
                a.execute(f'DROP ROLE "{role}"')
