"""The runbook's setup, pasted as an operator would (psql, as a superuser), gives a fence that is ready."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from fence.service import Fence, Scope

from tests.pg import ThrowawayPostgres

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "runbook.md"


def setup_sql() -> str:
    text = RUNBOOK.read_text()
    section = text[text.index("**What to create, on each database**"):]
    return re.search(r"```sql\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def cluster():
    postgres = ThrowawayPostgres().start()
    yield postgres
    postgres.stop()


def test_the_runbooks_setup_pasted_verbatim_gives_a_ready_dry_run(cluster, tmp_path):
    psql = shutil.which("psql") or str(cluster.bindir / "psql")
    cluster.create_database("payments")
    with psycopg.connect(cluster.dsn("payments"), autocommit=True) as admin:
        admin.execute("CREATE ROLE payments_app LOGIN; CREATE ROLE dms_user LOGIN")
        admin.execute("GRANT CREATE ON SCHEMA public TO payments_app")
        admin.execute("SET ROLE payments_app")
        admin.execute("CREATE TABLE public.payments (id bigserial PRIMARY KEY, amount numeric)")
    script = tmp_path / "setup.sql"
    script.write_text(setup_sql())
    pasted = subprocess.run([psql, "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(cluster.port),
                             "-U", "postgres", "-d", "payments", "-f", str(script)],
                            capture_output=True, text=True, check=False)
    assert pasted.returncode == 0, pasted.stderr

    def connect(side):
        import pg8000.native

        return pg8000.native.Connection("migration_fence", host="127.0.0.1", port=cluster.port, database="payments")

    allow = ("postgres", "dms_user")
    fence = Fence(connect, Scope(("payments_app",), ("public",), "public.cutover_marker",
                                 {"onprem": allow, "aurora": allow}))
    assert fence.check("onprem")["installed"] is False  # the dry run never installs; the controller does
    fence.install("onprem")
    check = fence.check("onprem")
    assert check["ready"], check["why_not"]
    assert fence.fence("onprem", token="t-1", close=True)["marker_at"]
