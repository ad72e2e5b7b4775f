"""The fence on a real PostgreSQL, with real sessions: an owner, a plain role, a DMS-like role."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from fence import sql
from fence.service import Fence

INSERT = "INSERT INTO public.payments (who) VALUES (current_user)"


def writes(session) -> bool:
    try:
        session.execute(INSERT)
        return True
    except psycopg.errors.InsufficientPrivilege:
        return False


def acls(d, side: str) -> dict[str, list[str]]:
    """Each table's ACL entries, and the fence's holding roles left in the cluster."""
    with psycopg.connect(d.postgres.dsn(d.databases[side]), autocommit=True) as admin:
        rows = admin.execute("SELECT relname::text, coalesce(relacl::text[], '{}') FROM pg_class "
                             "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'").fetchall()
        held = admin.execute("SELECT rolname::text FROM pg_roles WHERE starts_with(rolname, format('cutover_held_%s_', "
                             "(SELECT oid FROM pg_database WHERE datname = current_database())))").fetchall()
    return {**{name: sorted(acl) for name, acl in rows}, "holding roles left": [h for h, in held]}


def test_fencing_twice_is_harmless_and_lifting_restores_exactly_what_was_there(deployment):
    d = deployment
    before = acls(d, "aurora")
    fence = d.fence()
    first = fence.fence("aurora")
    second = fence.fence("aurora")
    assert first["revoked"] > 0 and second["revoked"] == 0
    assert fence.measure("aurora")["fenced"] is True
    lifted = fence.unfence("aurora")
    assert lifted["granted"] == first["revoked"]
    for role in (d.owner_role, d.plain_role):
        with d.session("aurora", role) as session:
            assert writes(session)
    assert fence.unfence("aurora")["granted"] == 0 and fence.measure("aurora")["fenced"] is False
    fence.settle("aurora")  # after the pause: parked grants given back directly, holding roles gone
    assert acls(d, "aurora") == before
    for role in (d.owner_role, d.plain_role):
        with d.session("aurora", role) as session:
            assert writes(session)


def test_a_grant_through_a_group_nobody_listed_is_fenced_and_given_back(deployment, postgres):
    """Deny by default: a write privilege through a group role no one named is revoked like any other, and
    lifting gives exactly it back."""
    d = deployment
    group = f"{d.plain_role}_writers"
    with psycopg.connect(postgres.dsn(d.databases["onprem"]), autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{group}"')
        admin.execute(f'GRANT "{group}" TO "{d.plain_role}"')
        admin.execute(f'GRANT INSERT ON public.balances TO "{group}"')
    fence = d.fence()
    fence.fence("onprem")
    with d.session("onprem", d.plain_role) as plain:
        assert not writes(plain)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            plain.execute("INSERT INTO public.balances (who) VALUES ('group')")
    fence.unfence("onprem")
    with d.session("onprem", d.plain_role) as plain:
        plain.execute("INSERT INTO public.balances (who) VALUES ('group')")
    fence.settle("onprem")
    with psycopg.connect(postgres.dsn(d.databases["onprem"]), autocommit=True) as admin:
        acl, = admin.execute("SELECT relacl::text FROM pg_class WHERE oid = 'public.balances'::regclass").fetchone()
    assert f"{group}=a/" in acl and "cutover_held" not in acl


def test_the_dry_run_measures_without_changing(deployment):
    d = deployment
    with d.session("onprem", d.plain_role) as plain:
        check = d.fence().check("onprem")
        assert check == {**check, "reachable": True, "ready": True, "roles_missing": [], "can_end_sessions": True,
                         "tables_not_owned": 0, "fenced": False, "would_hold": True, "would_close": True,
                         "control_table": True, "why_not": "", "prepared_transactions": 0, "routes": []}
        assert check["application_sessions"] == 1 and check["would_revoke"] > 0 and check["would_revoke_connect"] > 0
        assert writes(plain)


def test_the_dry_run_is_read_only_and_never_installs(deployment):
    """Every session the dry run opens is read-only from its first statement: any write it tried (its setup, a
    REVOKE, a savepoint's trial) would be refused by PostgreSQL, so a ready answer proves it wrote nothing."""
    d = deployment

    def read_only(side):
        connection = d.connect(side)
        connection.run("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        return connection

    check = Fence(read_only, d.scope).check("aurora")
    assert check["ready"] and check["installed"], check.get("why_not") or check.get("error")
    assert check["would_revoke"] > 0 and check["would_revoke_connect"] > 0
    with psycopg.connect(d.postgres.dsn(d.databases["onprem"]), autocommit=True) as admin:
        admin.execute("UPDATE cutover_fence.installed SET version = version - 1")  # an older release's setup
        outdated = Fence(read_only, d.scope).check("onprem")
        assert outdated["installed"] is False and not outdated["ready"] and "not installed" in outdated["error"]
        assert admin.execute("SELECT version FROM cutover_fence.installed").fetchone()[0] == sql.VERSION - 1


def test_at_no_instant_can_the_application_write_on_both_databases(deployment):
    """Application sessions write as fast as they can on whichever database accepts them, through the whole
    flip: Aurora fenced first, then on-prem fenced and marked, a stand-in replicator carries the marker,
    Aurora unfenced. Every accepted row carries its server time: the last on-prem write precedes the first
    Aurora write, for every application role, and the DMS-like role never stops."""
    d = deployment
    fence = d.fence()
    fence.fence("aurora")
    stop = threading.Event()
    errors: list[str] = []

    def writer(role: str) -> None:
        sessions: dict[str, psycopg.Connection | None] = {"onprem": None, "aurora": None}
        while not stop.is_set():
            for side in ("onprem", "aurora"):
                try:
                    if sessions[side] is None or sessions[side].closed:
                        sessions[side] = d.session(side, role)
                    sessions[side].execute(INSERT)
                except (psycopg.errors.InsufficientPrivilege, psycopg.OperationalError):
                    sessions[side] = None  # a pool would reconnect
                except Exception as error:
                    errors.append(repr(error))

    def dms() -> None:
        with d.session("onprem", d.dms_role) as session:
            while not stop.is_set():
                session.execute(INSERT)
                time.sleep(0.002)

    threads = [threading.Thread(target=writer, args=(r,)) for r in (d.owner_role, d.plain_role)]
    threads.append(threading.Thread(target=dms))
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)
        marked = fence.fence("onprem", token="flip-2", close=True)
        time.sleep(0.2)  # replication lag
        with d.session("aurora", d.dms_role) as replicator:
            replicator.execute("INSERT INTO public.cutover_marker (token, side, at) VALUES (%s, 'onprem', %s)",
                               ("flip-2", marked["marker_at"]))
        with d.session("aurora", d.dms_role) as clock:
            opened_at, = clock.execute("SELECT clock_timestamp()").fetchone()
        assert fence.unfence("aurora")["granted"] > 0
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert not errors, errors[:3]
    with d.session("onprem", d.dms_role) as onprem, d.session("aurora", d.dms_role) as aurora:
        for role in (d.owner_role, d.plain_role):
            # Both sides took this role's writes, the on-prem ones all before the marker and the Aurora ones all
            # after it was opened: a write leaking past either fence would land outside these bounds.
            late, = onprem.execute("SELECT count(*) FROM public.payments WHERE who = %s AND at >= %s",
                                   (role, marked["marker_at"])).fetchone()
            early, = aurora.execute("SELECT count(*) FROM public.payments WHERE who = %s AND at < %s",
                                    (role, opened_at)).fetchone()
            took = [side.execute("SELECT count(*) FROM public.payments WHERE who = %s", (role,)).fetchone()[0]
                    for side in (onprem, aurora)]
            assert late == 0 and early == 0 and all(took), (role, late, early, took)
        dms_rows, = onprem.execute("SELECT count(*) FROM public.payments WHERE who = %s AND at > %s",
                                   (d.dms_role, marked["fenced_at"])).fetchone()
    assert dms_rows > 0  # DMS kept writing after the fence
