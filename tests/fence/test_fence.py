"""The fence on a real PostgreSQL, with real sessions: an owner, a plain role, a DMS-like role."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from fence.service import FenceRefusedError

INSERT = "INSERT INTO public.payments (who) VALUES (current_user)"


def writes(session) -> bool:
    try:
        session.execute(INSERT)
        return True
    except psycopg.errors.InsufficientPrivilege:
        return False


def test_the_fence_stops_owner_and_plain_role_ends_their_sessions_and_spares_dms(deployment):
    d = deployment
    owner, plain, dms = (d.session("onprem", r) for r in (d.owner_role, d.plain_role, d.dms_role))
    assert writes(owner) and writes(plain) and writes(dms)

    result = d.fence().fence("onprem", token="flip-1", end_sessions=True)

    assert result["sessions_ended"] == 2 and result["revoked"] >= 2 and result["marker_at"]
    for ended in (owner, plain):  # their pools reconnect, through the new lookup
        with pytest.raises(psycopg.OperationalError):
            ended.execute("SELECT 1")
    assert writes(dms)  # the same session, never ended, still writing
    for role in (d.owner_role, d.plain_role):
        with d.session("onprem", role) as again:
            assert not writes(again)
            again.execute("SET transaction_read_only = off")
            assert not writes(again)
            assert again.execute("SELECT count(*) FROM public.payments").fetchone()[0] >= 3  # reads keep working
    with d.session("onprem", d.dms_role) as check:
        assert check.execute("SELECT side FROM public.cutover_marker WHERE token = 'flip-1'").fetchone() == ("onprem",)


def test_fencing_twice_is_harmless_and_lifting_restores_exactly_what_was_there(deployment):
    d = deployment
    fence = d.fence()
    first = fence.fence("aurora")
    second = fence.fence("aurora")
    assert first["revoked"] > 0 and second["revoked"] == 0
    assert fence.check("aurora")["fenced"] is True
    lifted = fence.unfence("aurora")
    assert lifted["granted"] == first["revoked"]
    for role in (d.owner_role, d.plain_role):
        with d.session("aurora", role) as session:
            assert writes(session)
    assert fence.unfence("aurora")["granted"] == 0 and fence.check("aurora")["fenced"] is False


def test_a_fence_that_would_not_hold_changes_nothing(deployment, postgres):
    """A write privilege through a group role survives a REVOKE from the role itself: refused, whole."""
    d = deployment
    group = f"{d.plain_role}_writers"
    with psycopg.connect(postgres.dsn(d.databases["onprem"]), autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{group}"')
        admin.execute(f'GRANT "{group}" TO "{d.plain_role}"')
        admin.execute(f'GRANT INSERT ON public.balances TO "{group}"')
    fence = d.fence()
    check = fence.check("onprem")
    assert check["would_hold"] is False and check["ready"] is False and f"{d.plain_role} on public.balances" in \
        check["why_not"]
    with pytest.raises(FenceRefusedError, match="would not hold"):
        fence.fence("onprem", token="t", end_sessions=True)
    with d.session("onprem", d.owner_role) as owner:
        assert writes(owner)  # nothing was revoked
    assert fence.check("onprem")["recorded_revocations"] == 0


def test_the_dry_run_measures_without_changing(deployment):
    d = deployment
    with d.session("onprem", d.plain_role) as plain:
        check = d.fence().check("onprem")
        assert check == {**check, "reachable": True, "ready": True, "roles_missing": [], "can_end_sessions": True,
                         "tables_not_owned": 0, "fenced": False, "would_hold": True, "control_table": True}
        assert check["application_sessions"] == 1 and check["would_revoke"] > 0
        assert writes(plain)


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
        marked = fence.fence("onprem", token="flip-2", end_sessions=True)
        time.sleep(0.2)  # replication lag
        with d.session("aurora", d.dms_role) as replicator:
            replicator.execute("INSERT INTO public.cutover_marker (token, side, at) VALUES (%s, 'onprem', %s)",
                               ("flip-2", marked["marker_at"]))
        fence.unfence("aurora")
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert not errors, errors[:3]
    for role in (d.owner_role, d.plain_role):
        with d.session("onprem", d.dms_role) as onprem, d.session("aurora", d.dms_role) as aurora:
            last_onprem, = onprem.execute("SELECT max(at) FROM public.payments WHERE who = %s", (role,)).fetchone()
            first_aurora, = aurora.execute("SELECT min(at) FROM public.payments WHERE who = %s", (role,)).fetchone()
        assert last_onprem is not None and first_aurora is not None, role  # both sides did take writes
        assert last_onprem < first_aurora, role
    with d.session("onprem", d.dms_role) as onprem:
        dms_rows, = onprem.execute("SELECT count(*) FROM public.payments WHERE who = %s "
                                   "AND at > %s", (d.dms_role, marked["fenced_at"])).fetchone()
    assert dms_rows > 0  # DMS kept writing after the fence
