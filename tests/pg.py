"""A throwaway PostgreSQL cluster on loopback, run as an unprivileged user, removed afterwards.

Uses the machine's PostgreSQL server binaries (Debian: /usr/lib/postgresql/<major>/bin); the suite's
SQL runs against it for real.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

UNPRIVILEGED = ("postgres", "nobody")


def server_bindir() -> Path:
    found = shutil.which("initdb")
    candidates = ([Path(found).resolve().parent] if found else []) + \
        [Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)]
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    raise RuntimeError("PostgreSQL server binaries not found (initdb, pg_ctl); install them, e.g. "
                       "`apt-get install postgresql` on Debian (scripts/ensure_postgres.sh does it for make test)")


def bundled_bindir() -> Path | None:
    """PostgreSQL 16's server binaries from the pinned `pgserver` wheel (Aurora's default major version; the
    machine's own server may be older), or None where that wheel is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    bindir = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"
    return bindir if (bindir / "initdb").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or server_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="pg-throwaway-"))
        self.port = _free_port()
        self.user = None
        self.templates: set[str] = set()  # template databases loaded so far
        if os.geteuid() == 0:  # the server refuses to run as root
            self.user = next(pwd.getpwnam(name) for name in UNPRIVILEGED if _exists(name))
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args: str) -> None:
        def drop() -> None:
            if self.user:
                os.setgid(self.user.pw_gid)
                os.setuid(self.user.pw_uid)
        result = subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True, text=True,
                                preexec_fn=drop, cwd=self.root, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {result.stdout}{result.stderr}")

    def start(self) -> ThrowawayPostgres:
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off " \
                  "-c full_page_writes=off -c synchronous_commit=off -c max_prepared_transactions=20"
        self._run("pg_ctl", "start", "-D", str(data), "-w", "-t", "60", "-l", str(self.root / "server.log"),
                  "-o", options)
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "stop", "-D", str(self.root / "data"), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)


def _exists(user: str) -> bool:
    return any(entry.pw_name == user for entry in pwd.getpwall())


SQL = Path(__file__).resolve().parent / "sql"


def aurora_after_full_load(database: str) -> str:
    """A database in the shared cluster holding what Aurora holds after the full load; its DSN.

    Loaded once into a template database; each call copies the template, as CREATE DATABASE does."""
    import psycopg

    cluster = shared()
    if AURORA_TEMPLATE not in cluster.templates:
        with psycopg.connect(cluster.create_database(AURORA_TEMPLATE), autocommit=True) as connection:
            connection.execute((SQL / "schema.sql").read_text())
            connection.execute((SQL / "ready.sql").read_text())
        cluster.templates.add(AURORA_TEMPLATE)
    with psycopg.connect(cluster.dsn(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
        connection.execute(f'CREATE DATABASE "{database}" TEMPLATE "{AURORA_TEMPLATE}"')
    return cluster.dsn(database)


AURORA_TEMPLATE = "aurora_after_full_load"


_shared: ThrowawayPostgres | None = None


def shared() -> ThrowawayPostgres:
    """One cluster per test process, started on first use (collection may need it) and removed at exit."""
    global _shared
    if _shared is None:
        import atexit

        _shared = ThrowawayPostgres().start()
        atexit.register(_shared.stop)
    return _shared


def last_values(dsn: str) -> dict[str, int | None]:
    """Every sequence of the database by qualified name, and its last value (None: never used)."""
    import psycopg

    with psycopg.connect(dsn) as connection:
        return dict(connection.execute("SELECT format('%I.%I', schemaname, sequencename), last_value "
                                       "FROM pg_sequences").fetchall())
