"""The read-only layer's lift in constant time: the grants it takes are parked on a holding role per grantee, the
lift inside the write pause is one membership per grantee, and settle() gives the grants back directly after it.
Run on the machine's PostgreSQL and on PostgreSQL 16 (Aurora's default major version, where membership grants
carry their own INHERIT and ADMIN options)."""

from __future__ import annotations

import psycopg
import pytest
from fence.service import FenceRefusedError

from tests.fence.conftest import Deployment
from tests.pg import ThrowawayPostgres, bundled_bindir

INSERT = "INSERT INTO public.payments (who) VALUES (current_user)"
EXTRA_TABLES = 40


@pytest.fixture(scope="module", params=["machine", "16"])
def server(request, postgres):
    if request.param == "machine":
        yield postgres
        return
    bindir = bundled_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL 16 comes from the pgserver wheel, pinned for Linux x86_64 only")
    cluster = ThrowawayPostgres(bindir).start()
    yield cluster
    cluster.stop()


def major(server) -> int:
    with psycopg.connect(server.dsn(), autocommit=True) as admin:
        return int(admin.execute("SHOW server_version_num").fetchone()[0]) // 10000


def deployment(server, *, holding: bool) -> Deployment:
    d = Deployment(server, holding=holding)
    with admin(d) as a:
        a.execute(f'SET ROLE "{d.owner_role}"')
        a.execute(f"""DO $$ BEGIN FOR i IN 1..{EXTRA_TABLES} LOOP
          EXECUTE format('CREATE TABLE public.extra_%s (id bigserial PRIMARY KEY)', i);
          EXECUTE format('GRANT SELECT, INSERT ON public.extra_%s TO "{d.plain_role}"', i);
        END LOOP; END $$""")
    d.fence().install("aurora")
    return d


def admin(d):
    return psycopg.connect(d.postgres.dsn(d.databases["aurora"]), autocommit=True)


def writes(d, role: str) -> bool:
    with d.session("aurora", role) as session:
        try:
            session.execute(INSERT)
            return True
        except psycopg.errors.InsufficientPrivilege:
            return False


def table_rows(d) -> dict[str, tuple[str, list[str]]]:
    """Each table's catalog row version (xmin: a GRANT or REVOKE on the table writes a new one) and ACL."""
    with admin(d) as a:
        return {name: (xmin, sorted(acl)) for name, xmin, acl in a.execute(
            "SELECT relname::text, xmin::text, coalesce(relacl::text[], '{}') FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'").fetchall()}


def holding_roles(d) -> list[str]:
    with admin(d) as a:
        return [r for r, in a.execute(
            "SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, format('cutover_held_%s_', "
            "(SELECT oid FROM pg_database WHERE datname = current_database()))) ORDER BY 1").fetchall()]


@pytest.mark.parametrize("holding", [True, False], ids=["holding", "per-table"])
def test_the_lift_touches_no_table_and_settle_gives_back_exactly_the_grants(server, holding):
    d = deployment(server, holding=holding)
    before = table_rows(d)
    fence = d.fence()
    taken = fence.fence("aurora")["revoked"]
    assert not writes(d, d.plain_role)
    fenced = table_rows(d)
    lifted = fence.unfence("aurora")
    assert lifted["granted"] == taken and writes(d, d.plain_role) and writes(d, d.owner_role)
    untouched = {name for name, (xmin, _) in table_rows(d).items() if fenced[name][0] == xmin}
    # Holding: not one table's catalog row written inside the pause (constant in the number of tables); table by
    # table, every one of them is.
    assert (untouched == set(before)) if holding else not untouched & {"payments", "balances", "extra_1"}
    assert bool(holding_roles(d)) == holding
    assert fence.settle("aurora")["settled"] == (taken if holding else 0)
    assert {name: acl for name, (_, acl) in table_rows(d).items()} == {n: acl for n, (_, acl) in before.items()}
    assert holding_roles(d) == [] and writes(d, d.plain_role)


def test_while_fenced_no_one_outside_the_allowlist_can_reach_a_holding_role(server):
    d = deployment(server, holding=True)
    d.fence().fence("aurora")
    holder, = [h for h in holding_roles(d) if h.endswith(_oid(d, d.plain_role))]
    with d.session("aurora", d.plain_role) as session:
        for attempt in (f'SET ROLE "{holder}"', f'GRANT "{holder}" TO "{d.plain_role}"'):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                session.execute(attempt)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            session.execute(INSERT)
    with admin(d) as a:
        login, members = a.execute("SELECT rolcanlogin, (SELECT count(*) FROM pg_auth_members m WHERE m.roleid = r.oid "
                                   "AND m.member <> (SELECT oid FROM pg_roles WHERE rolname = %s)) "
                                   "FROM pg_roles r WHERE rolname = %s", (d.fence_role, holder)).fetchone()
    assert not login and members == 0


def _oid(d, role: str) -> str:
    with admin(d) as a:
        return str(a.execute("SELECT oid FROM pg_roles WHERE rolname = %s", (role,)).fetchone()[0])


def test_fencing_again_before_settle_takes_the_membership_back(server):
    d = deployment(server, holding=True)
    before = table_rows(d)
    fence = d.fence()
    fence.fence("aurora")
    fence.unfence("aurora")
    assert writes(d, d.plain_role)
    fence.fence("aurora")  # a rollback's or a repair's fence, before the flip's settle ran
    assert not writes(d, d.plain_role) and fence.measure("aurora")["read_only"]
    fence.unfence("aurora")
    assert writes(d, d.plain_role)
    fence.settle("aurora")
    assert {name: acl for name, (_, acl) in table_rows(d).items()} == {n: acl for n, (_, acl) in before.items()}


def test_a_grantee_without_inherit_is_parked_from_16_and_lifted_table_by_table_before(server):
    d = deployment(server, holding=True)
    batch = f"batch_{d.fence_role}"
    with admin(d) as a:
        a.execute(f'CREATE ROLE "{batch}" LOGIN NOINHERIT')
        a.execute(f'SET ROLE "{d.owner_role}"')
        a.execute(f'GRANT INSERT ON public.payments TO "{batch}"')
        a.execute(f'GRANT USAGE ON SEQUENCE public.payments_id_seq TO "{batch}"')
    fence = d.fence()
    lift = fence.check("aurora")["lift"]
    parked = major(server) >= 16
    assert lift["per_table_grants"] == (0 if parked else 1) and (batch in lift["note"]) != parked
    fence.fence("aurora")
    assert not writes(d, batch)
    fence.unfence("aurora")
    assert writes(d, batch)
    fence.settle("aurora")
    assert writes(d, batch) and holding_roles(d) == []


def test_a_holding_role_the_fence_cannot_grant_refuses_the_fence_by_name(server):
    d = deployment(server, holding=True)
    holder = f"cutover_held_{_database_oid(d)}_{_oid(d, d.plain_role)}"
    with admin(d) as a:
        a.execute(f'CREATE ROLE "{holder}" NOLOGIN')  # by a superuser: from 16 the fence role has no ADMIN on it
    before = table_rows(d)
    fence = d.fence()
    if major(server) < 16:  # before 16, CREATEROLE administers every role that is not a superuser
        fence.fence("aurora")
        fence.unfence("aurora")
        assert writes(d, d.plain_role)
        return
    with pytest.raises(FenceRefusedError, match=f"cannot grant the holding role {holder}"):
        fence.fence("aurora")
    assert table_rows(d) == before and writes(d, d.plain_role)  # nothing changed


def _database_oid(d) -> str:
    with admin(d) as a:
        return str(a.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0])


def test_the_dry_run_says_how_the_lift_will_run(server):
    holding, per_table = deployment(server, holding=True), deployment(server, holding=False)
    with admin(holding) as a:
        a.execute(f'SET ROLE "{holding.owner_role}"')
        a.execute("GRANT INSERT ON public.balances TO PUBLIC")
    lift = holding.fence().check("aurora")["lift"]
    assert lift["memberships"] == 2 and lift["per_table_grants"] == 1 and "PUBLIC" in lift["note"]  # owner, plain
    holding.fence().fence("aurora")  # once fenced, the same from what the fence holds
    assert holding.fence().check("aurora")["lift"] == lift
    lift = per_table.fence().check("aurora")["lift"]
    assert lift["memberships"] == 0 and lift["per_table_grants"] > EXTRA_TABLES and "CREATEROLE" in lift["note"]
