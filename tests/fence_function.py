"""The fence function answered in-process over the suite's real PostgreSQL: lambda:Invoke on a boto3 client
runs the deployed handler's own request parsing and operations against two databases (on-prem and Aurora),
and a stand-in replicator carries marker rows between them as DMS would."""

from __future__ import annotations

import io
import json

from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody

APPLICATION_ROLE = "app_rw"
CONTROL_TABLE = "public.cutover_marker"


def prepare(dsn: str) -> None:
    """What the README has the operator create, on one database of the world (the fence runs as the cluster's
    superuser here; tests/fence proves the fence with the unprivileged role the README creates)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APPLICATION_ROLE}') THEN
              CREATE ROLE {APPLICATION_ROLE} LOGIN; END IF; END $$""")
        admin.execute("CREATE SCHEMA IF NOT EXISTS cutover_fence")
        admin.execute(f"CREATE TABLE IF NOT EXISTS {CONTROL_TABLE} (token text PRIMARY KEY, side text NOT NULL, "
                      "at timestamptz NOT NULL DEFAULT clock_timestamp())")
        admin.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APPLICATION_ROLE}")
        admin.execute(f"REVOKE INSERT, UPDATE, DELETE ON {CONTROL_TABLE} FROM {APPLICATION_ROLE}")


class FenceOverPostgres:
    def __init__(self, dsns: dict[str, str], *, function_name: str, patterns: tuple[str, ...]):
        from fence.service import Fence, Scope

        self.dsns, self.function_name = dsns, function_name
        self.fence = Fence(self.connect, Scope((APPLICATION_ROLE,), patterns, CONTROL_TABLE))
        self.requests: list[dict] = []
        self.replicating = True  # the stand-in replicator carries markers while this holds
        self.down = False
        self.failing: set[str] = set()  # operations answered with a database error while named here

    def connect(self, side: str):
        import pg8000.native

        parts = dict(item.split("=", 1) for item in self.dsns[side].split())
        from fence_handler import SESSION

        return pg8000.native.Connection(parts["user"], host=parts["host"], port=int(parts["port"]),
                                        database=parts["dbname"], startup_params=SESSION)

    def attach(self, client) -> None:
        client.meta.events.register("before-parameter-build.lambda.Invoke", self._keep)
        client.meta.events.register("before-call.lambda.Invoke", self._answer)

    def _keep(self, params, **_):
        self._params = dict(params)

    def _answer(self, **_):
        import fence_handler

        params = self._params
        assert params["FunctionName"] == self.function_name and params["InvocationType"] == "RequestResponse"
        request = json.loads(params["Payload"])
        self.requests.append(request)
        if self.down or request.get("operation") in self.failing:
            answer = {"ok": False, "error": "OperationalError: could not connect to server"}
        else:
            answer = fence_handler.respond(request, self.fence)
        body = json.dumps(answer).encode()
        return (AWSResponse(None, 200, {}, None),
                {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))})

    def replicate(self) -> None:
        """One pass of the stand-in replicator: markers each side has, copied to the other (commit order is
        DMS's business; here the marker is the last write either way)."""
        if not self.replicating:
            return
        import psycopg

        rows = {}
        for side, dsn in self.dsns.items():
            with psycopg.connect(dsn, autocommit=True) as connection:
                rows[side] = connection.execute(f"SELECT token, side, at FROM {CONTROL_TABLE}").fetchall()
        for side, dsn in self.dsns.items():
            other = "aurora" if side == "onprem" else "onprem"
            with psycopg.connect(dsn, autocommit=True) as connection:
                for row in rows[other]:
                    connection.execute(f"INSERT INTO {CONTROL_TABLE} (token, side, at) VALUES (%s, %s, %s) "
                                       "ON CONFLICT DO NOTHING", row)

    def held(self, side: str) -> list[str]:
        """The fence's holding roles that still hold grants on `side` (none once settled)."""
        import psycopg

        with psycopg.connect(self.dsns[side], autocommit=True) as admin:
            return [r for r, in admin.execute(
                "SELECT DISTINCT r.rolname::text FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid "
                "WHERE d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND starts_with(r.rolname, 'cutover_held_')").fetchall()]

    def writes(self, side: str) -> bool:
        """Whether the application role can write on `side` now (a fresh session, as a pool would open)."""
        import psycopg

        parts = dict(item.split("=", 1) for item in self.dsns[side].split())
        dsn = f"host={parts['host']} port={parts['port']} user={APPLICATION_ROLE} dbname={parts['dbname']}"
        try:
            connection = psycopg.connect(dsn, autocommit=True)
        except psycopg.OperationalError as error:  # closed: CONNECT revoked
            assert "permission denied for database" in str(error), error
            return False
        with connection:
            table = connection.execute("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
                                       "WHERE schemaname = 'public' AND tablename <> 'cutover_marker' "
                                       "ORDER BY 1 LIMIT 1").fetchone()[0]
            try:
                connection.execute(f"DELETE FROM {table} WHERE false")
                return True
            except psycopg.errors.InsufficientPrivilege:
                return False
