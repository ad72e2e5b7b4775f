"""Two databases of the throwaway cluster standing for on-prem and Aurora, with the roles a deployment has."""

from __future__ import annotations

import itertools

import pytest
from fence.service import Fence, Scope

_names = itertools.count()
TABLES = ("payments", "balances")


def _admin(postgres, database="postgres"):
    import psycopg

    return psycopg.connect(postgres.dsn(database), autocommit=True)


class Deployment:
    """Roles (cluster-wide, so suffixed per deployment) and two databases with the same tables.

    - owner_role: the application role that owns its tables (REVOKE from others does not stop it);
    - plain_role: an application role with granted privileges;
    - dms_role: writes as DMS's apply does, never named to the fence;
    - fence_role: unprivileged; a member of the owner role, of pg_signal_backend, owning its own schema; with
      `holding`, CREATEROLE too (as the runbook gives it on Aurora), so the read-only layer parks the grants it
      takes on holding roles and the lift is a membership per grantee.
    """

    def __init__(self, postgres, *, holding: bool = True):
        n = next(_names)
        self.postgres, self.holding = postgres, holding
        self.owner_role, self.plain_role = f"app_owner_{n}", f"app_plain_{n}"
        self.dms_role, self.fence_role = f"dms_apply_{n}", f"fence_{n}"
        self.databases = {"onprem": f"fence_onprem_{n}", "aurora": f"fence_aurora_{n}"}
        with _admin(postgres) as admin:
            for role in (self.owner_role, self.plain_role, self.dms_role, self.fence_role):
                admin.execute(f'CREATE ROLE "{role}" LOGIN')
            admin.execute(f'GRANT "{self.owner_role}" TO "{self.fence_role}"')
            admin.execute(f'GRANT pg_signal_backend, pg_read_all_stats TO "{self.fence_role}"')
            if holding:
                admin.execute(f'ALTER ROLE "{self.fence_role}" CREATEROLE')
            for database in self.databases.values():
                admin.execute(f'CREATE DATABASE "{database}" OWNER "{self.owner_role}"')
        for database in self.databases.values():
            with _admin(postgres, database) as admin:
                admin.execute(f'CREATE SCHEMA cutover_fence AUTHORIZATION "{self.fence_role}"')
                admin.execute(f'SET ROLE "{self.owner_role}"')
                for table in TABLES:
                    admin.execute(f"CREATE TABLE public.{table} (id bigserial PRIMARY KEY, who text, "
                                  "at timestamptz NOT NULL DEFAULT clock_timestamp())")
                    admin.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON public.{table} TO "{self.plain_role}", '
                                  f'"{self.dms_role}"')
                    admin.execute(f'GRANT USAGE ON SEQUENCE public.{table}_id_seq TO "{self.plain_role}", '
                                  f'"{self.dms_role}"')
                admin.execute("CREATE TABLE public.cutover_marker (token text PRIMARY KEY, side text NOT NULL, "
                              "at timestamptz NOT NULL DEFAULT clock_timestamp())")
                admin.execute(f'GRANT SELECT, INSERT ON public.cutover_marker TO "{self.fence_role}", '
                              f'"{self.dms_role}"')
        allow = ("postgres", self.dms_role)  # the cluster's superuser (the provider's administrator) and DMS
        self.scope = Scope(roles=(self.owner_role, self.plain_role), patterns=("public",),
                           control_table="public.cutover_marker", allow={"onprem": allow, "aurora": allow})

    def dsn(self, side: str, role: str) -> str:
        return f"host=127.0.0.1 port={self.postgres.port} user={role} dbname={self.databases[side]}"

    def session(self, side: str, role: str):
        import psycopg

        return psycopg.connect(self.dsn(side, role), autocommit=True)

    def connect(self, side: str):
        """What the fence function opens: its own role, over PostgreSQL's protocol (pg8000)."""
        import pg8000.native
        from fence_handler import SESSION

        return pg8000.native.Connection(self.fence_role, host="127.0.0.1", port=self.postgres.port,
                                        database=self.databases[side], startup_params=SESSION)

    def fence(self) -> Fence:
        return Fence(self.connect, self.scope)


@pytest.fixture(params=["holding", "per-table"])
def deployment(postgres, request) -> Deployment:
    """A deployment whose databases have the fence's setup, as the controller installs it at its first tick; every
    test runs with the lift by holding roles and with the lift table by table."""
    d = Deployment(postgres, holding=request.param == "holding")
    for side in d.databases:
        d.fence().install(side)
    return d
