"""Benchmark: the fence and the fenced flip's write pause at 1,000, 5,000 and 20,000 tables (one bigserial each, a
schema per 100 tables), on the test suite's throwaway PostgreSQL: two databases stand for on-prem and Aurora,
with an owner role, an application role granted on every table, idle application sessions on both, and the
fence role the runbook creates (CREATEROLE included, as on Aurora). Prints, per size, each fence operation's time,
and the flip's and the rollback's write pauses split into their steps (close, marker, final positions, marker
seen, sequence catch-up, lift), with the work done before and after each pause; asserts nothing.

    .venv/bin/python bench/fence.py [--sizes 1000,5000,20000] [--sessions 20] [--lag 0]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda")]

GAP = 1_000_000
_runs = itertools.count()


def timed(what: dict, name: str, call):
    started = time.perf_counter()
    result = call()
    what[name] = time.perf_counter() - started
    return result


def world(size: int, holding: bool = True):
    """Two databases with `size` tables each, owned by one role; the fence that serves them (`holding`: the fence
    role may create roles, so the read-only layer parks what it takes on holding roles)."""
    import psycopg
    from fence.service import Fence, Scope

    from tests.many_tables import create
    from tests.pg import shared

    cluster, n = shared(), next(_runs)
    owner, app, fence_role, dms = (f"{r}_{size}_{n}" for r in ("owner", "app", "fence", "dms"))
    with psycopg.connect(cluster.dsn(), autocommit=True) as admin:
        for role in (owner, app, fence_role, dms):
            admin.execute(f'CREATE ROLE "{role}" LOGIN')
        admin.execute(f'GRANT "{owner}" TO "{fence_role}"; GRANT pg_signal_backend TO "{fence_role}"')
        if holding:  # as the runbook has it on Aurora: the lift is then a membership per grantee
            admin.execute(f'ALTER ROLE "{fence_role}" CREATEROLE')
    databases = {side: f"bench_fence_{side}_{size}_{n}" for side in ("onprem", "aurora")}
    patterns: list[str] = []
    for database in databases.values():
        cluster.create_database(database)
        with psycopg.connect(cluster.dsn(database), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{database}" OWNER TO "{owner}"')
            admin.execute(f'CREATE SCHEMA cutover_fence AUTHORIZATION "{fence_role}"')
        dsn = f"host=127.0.0.1 port={cluster.port} user={owner} dbname={database}"
        patterns = create(dsn, size)
        with psycopg.connect(dsn, autocommit=True) as as_owner:
            as_owner.execute("CREATE TABLE public.cutover_marker (token text PRIMARY KEY, side text NOT NULL, "
                             "at timestamptz NOT NULL DEFAULT clock_timestamp())")
            as_owner.execute(f'GRANT SELECT, INSERT ON public.cutover_marker TO "{fence_role}", "{dms}"')
            as_owner.execute(f"""DO $$ DECLARE s record; BEGIN
              FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' LOOP
                EXECUTE format('GRANT USAGE ON SCHEMA %I TO "{app}", "{fence_role}"', s.nspname);
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO "{app}"', s.nspname);
                EXECUTE format('GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO "{fence_role}"', s.nspname);
              END LOOP; END $$""")

    def connect(side: str):
        import pg8000.native
        from fence_handler import SESSION  # the session the fence function opens

        return pg8000.native.Connection(fence_role, host="127.0.0.1", port=cluster.port, database=databases[side],
                                        startup_params=SESSION)

    allow = ("postgres", dms)
    scope = Scope((app,), (*patterns, "public"), "public.cutover_marker", {"onprem": allow, "aurora": allow})
    sessions = {side: f"host=127.0.0.1 port={cluster.port} user={app} dbname={databases[side]}" for side in databases}
    return Fence(connect, scope), sessions, dms, cluster, databases


def measure(size: int, idle_sessions: int, lag: float = 0.0) -> None:
    import psycopg

    started = time.perf_counter()
    fence, sessions, dms, cluster, databases = world(size)
    built = time.perf_counter() - started
    t: dict[str, float] = {}
    fence.install("onprem"), fence.install("aurora")  # as start-cutover does, before any pause
    timed(t, "dry run on-prem", lambda: fence.check("onprem"))
    timed(t, "dry run Aurora", lambda: fence.check("aurora"))
    timed(t, "read-only fence Aurora (start-cutover)", lambda: fence.fence("aurora", end_sessions=True))
    answers = parity_figures(t, fence, cluster.dsn(databases["aurora"]))
    timed(t, "measure Aurora (every tick)", lambda: fence.measure("aurora"))
    idle = [psycopg.connect(sessions["onprem"], autocommit=True) for _ in range(idle_sessions)]
    # The flip as the controller runs it over the fence function (the Data API's share on AWS is in
    # bench/many_tables.py): Aurora's sequences synced before the pause; then close on-prem and mark, the marker
    # carried, the catch-up of the sequences on-prem's final positions reached, Aurora opened.
    from shared import sequences

    def query(side):
        connection = fence.connect(side)
        return lambda statement, **params: [dict(zip([c["name"] for c in connection.columns], row, strict=True))
                                            for row in connection.run(statement, **params)]

    aurora = query("aurora")
    synced = timed(t, "before the pause: sequence sync Aurora",
                   lambda: sequences.sync(aurora, ",".join(fence.scope.patterns), GAP, apply=True))
    token = f"bench-{size}"
    carrying = replicate(cluster.dsn(databases["onprem"]), cluster.dsn(databases["aurora"]), token, lag)
    marked = fence.fence("onprem", token=token, close=True)
    steps = marked["steps_seconds"]
    t["before the pause: on-prem's sequences opened (same call)"] = steps["warm"]
    t["pause: close on-prem"] = steps["fence"]
    t["pause: marker committed on on-prem"] = steps["marker"]
    t["pause: on-prem's final positions (replication carries the marker)"] = steps["positions"]
    timed(t, "pause: marker seen on Aurora, after the call", lambda: seen(aurora, token, carrying))
    caught = timed(t, "pause: sequence catch-up Aurora",
                   lambda: sequences.catch_up(aurora, marked["positions"], synced.values, GAP))
    timed(t, "pause: lift Aurora", lambda: fence.unfence("aurora"))
    pause = sum(v for k, v in t.items() if k.startswith("pause:"))
    timed(t, "after the pause: settle Aurora", lambda: fence.settle("aurora"))
    # The rollback, its mirror: on-prem's sequences synced before the pause (past Aurora's positions too, through
    # the fence function a statement a call), then close Aurora, its marker carried back, on-prem's catch-up, lift.
    onprem = query("onprem")
    presynced = timed(t, "before the rollback pause: sequence sync on-prem", lambda: sequences.sync(
        onprem, ",".join(fence.scope.patterns), GAP, apply=True, floors=sequences.positions(aurora, ",".join(
            fence.scope.patterns))))
    carrying = replicate(cluster.dsn(databases["aurora"]), cluster.dsn(databases["onprem"]), token + "-back", lag)
    back = fence.fence("aurora", token=token + "-back", close=True)
    steps = back["steps_seconds"]
    t["before the rollback pause: Aurora's sequences opened"] = steps["warm"]
    t["rollback pause: close Aurora"] = steps["fence"]
    t["rollback pause: marker committed on Aurora"] = steps["marker"]
    t["rollback pause: Aurora's final positions"] = steps["positions"]
    timed(t, "rollback pause: marker seen on on-prem, after the call", lambda: seen(onprem, token + "-back", carrying))
    timed(t, "rollback pause: sequence catch-up on-prem",
          lambda: sequences.catch_up(onprem, back["positions"], presynced.values, GAP))
    timed(t, "rollback pause: lift on-prem", lambda: fence.unfence("onprem"))
    rollback = sum(v for k, v in t.items() if k.startswith("rollback pause:"))
    for session in idle:
        session.close()
    print(f"\n{size:,} tables (built in {built:.0f} s), {idle_sessions} idle application sessions on on-prem, "
          f"{marked['sessions_ended']} ended by the close; {synced.sequences:,} sequences, {synced.moved:,} set before "
          f"the pause, {caught['moved']} caught up inside it; markers carried {lag:g} s after their commit")
    for name, seconds in t.items():
        print(f"  {name:<66} {seconds:>7.2f} s")
    print("  largest answer of a parity statement, per side (the Data API's limit is 1 MB, Lambda's 6 MB): "
          + ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in answers.items()))
    print(f"  {'write pause (close to lift; Route 53 adds <1 s)':<66} {pause:>7.2f} s")
    print(f"  {'rollback pause (close to lift; Route 53 adds <1 s)':<66} {rollback:>7.2f} s")
    del dms


def replicate(source: str, target: str, token: str, lag: float):
    """The stand-in for DMS: a thread that copies the marker row `token` from `source` to `target` `lag` seconds
    after it is committed (as the administrator, who is on the allowlist, so the close leaves it running)."""
    import threading

    import psycopg

    def carry() -> None:
        with psycopg.connect(source, autocommit=True) as src, psycopg.connect(target, autocommit=True) as dst:
            while True:
                row = src.execute("SELECT side, at FROM public.cutover_marker WHERE token = %s", (token,)).fetchone()
                if row:
                    time.sleep(lag)
                    dst.execute("INSERT INTO public.cutover_marker (token, side, at) VALUES (%s, %s, %s)",
                                (token, *row))
                    return
                time.sleep(0.005)

    thread = threading.Thread(target=carry, daemon=True)
    thread.start()
    return thread


def seen(query, token: str, carrying) -> None:
    """The marker on the side about to open, polled as the controller does after the fence call returns."""
    from shared import sql as shared_sql

    while not query(shared_sql.marker_seen("public.cutover_marker"), token=token):
        if not carrying.is_alive():
            raise RuntimeError(f"the marker {token} was not carried")
        time.sleep(0.005)


def parity_figures(t: dict, fence, aurora_admin: str) -> dict[str, int]:
    """Parity of schema and access, as the controller runs it through the fence function: both sides identical,
    then with one column changed on Aurora (the differing bucket listed, the object read whole). Returns the
    largest answer of each statement, in bytes of JSON."""
    import json

    import psycopg
    from shared import parity

    answers: dict[str, int] = {}

    def query(side, statement, **params):
        rows = fence.query(side, statement, params)["rows"]
        answers[statement] = max(answers.get(statement, 0), len(json.dumps(rows)))
        return rows

    schemas, roles = ",".join(fence.scope.patterns), ",".join(fence.scope.roles)
    same = timed(t, "parity, both sides (identical)", lambda: parity.compare(query, schemas, roles))
    assert same["schema"].same and same["access"].same, {a: p.summary() for a, p in same.items()}
    with psycopg.connect(aurora_admin, autocommit=True) as admin:  # DDL on on-prem that DMS did not carry
        table = admin.execute("SELECT format('%I.%I', nspname, relname) FROM pg_class c JOIN pg_namespace n "
                              "ON n.oid = relnamespace WHERE nspname LIKE 'tenant%' AND relkind = 'r' "
                              "ORDER BY 1 LIMIT 1").fetchone()[0]
        admin.execute(f"ALTER TABLE {table} ADD COLUMN note text")
    differing = timed(t, "parity, one column differs", lambda: parity.compare(query, schemas, roles))
    assert not differing["schema"].same and differing["schema"].differences, differing["schema"].summary()
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--lag", type=float, default=0.0,
                        help="seconds the stand-in replicator waits before carrying a marker (DMS's apply lag)")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        measure(size, args.sessions, args.lag)


if __name__ == "__main__":
    main()
