"""The fence's SQL, run by the fence role over PostgreSQL's protocol (pg8000's `:name` parameters).

Why it holds. The fence revokes the application roles' write privileges (INSERT, UPDATE, DELETE, TRUNCATE)
on every table of the migrated schemas. The fence role is a member of each table's owner, so PostgreSQL
performs the REVOKE as the owner (GRANT and REVOKE by a member of the owning role act as that role), which
also takes away an owner's own write privileges: an owner's privileges are ordinary ACL entries that the
owner may revoke from itself. Privileges are checked when each statement runs, whatever
`transaction_read_only` says, so neither an owner nor a session that turns read-only off can write. The
fence then proves it in the same transaction: if any application role could still write on any migrated
table (through a group role, PUBLIC, a column grant, or a grant by another grantor), it raises and nothing
changes. What it revoked is recorded in `cutover_fence.revoked` (a schema DMS does not migrate), so lifting
the fence grants exactly that back. Roles are looked up by name; DMS's roles are never named, so never touched.
"""

from __future__ import annotations

import re

SCHEMA = "cutover_fence"
WRITE_PRIVILEGES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")

# Created (or replaced) by the fence role in its own schema on first use; SECURITY INVOKER, so each runs with
# exactly the fence role's privileges.
SETUP_SQL = f"""
CREATE TABLE IF NOT EXISTS {SCHEMA}.revoked (
  schema_name text NOT NULL, table_name text NOT NULL, role_name text NOT NULL, privilege text NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema_name, table_name, role_name, privilege));

CREATE OR REPLACE FUNCTION {SCHEMA}.migrated_tables(patterns text[])
RETURNS TABLE (oid oid, schema_name name, table_name name, owner oid) LANGUAGE sql STABLE AS $$
  SELECT c.oid, n.nspname, c.relname, c.relowner
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname LIKE ANY (patterns) AND n.nspname <> '{SCHEMA}'
    AND c.relname NOT LIKE 'awsdms\\_%'
$$;

-- (role, table) pairs where an application role can still write: the fence does not hold while any exists.
CREATE OR REPLACE FUNCTION {SCHEMA}.writable(roles text[], patterns text[])
RETURNS TABLE (role_name text, table_name text) LANGUAGE sql STABLE AS $$
  SELECT r.rolname::text, format('%I.%I', t.schema_name, t.table_name)
  FROM {SCHEMA}.migrated_tables(patterns) t
  CROSS JOIN pg_roles r
  WHERE r.rolname = ANY (roles)
    AND (has_table_privilege(r.oid, t.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
         OR has_any_column_privilege(r.oid, t.oid, 'INSERT, UPDATE'))
  ORDER BY 1, 2
$$;

CREATE OR REPLACE FUNCTION {SCHEMA}.fence(roles text[], patterns text[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  grant_row record;
  n integer := 0;
  left_over text;
BEGIN
  FOR grant_row IN
    SELECT t.schema_name, t.table_name, r.rolname, a.privilege_type
    FROM {SCHEMA}.migrated_tables(patterns) t
    JOIN pg_class c ON c.oid = t.oid
    CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
    JOIN pg_roles r ON r.oid = a.grantee
    WHERE r.rolname = ANY (roles) AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
  LOOP
    EXECUTE format('REVOKE %s ON %I.%I FROM %I', grant_row.privilege_type, grant_row.schema_name,
                   grant_row.table_name, grant_row.rolname);
    INSERT INTO {SCHEMA}.revoked (schema_name, table_name, role_name, privilege)
    VALUES (grant_row.schema_name, grant_row.table_name, grant_row.rolname, grant_row.privilege_type)
    ON CONFLICT DO NOTHING;
    n := n + 1;
  END LOOP;
  SELECT string_agg(format('%s on %s', w.role_name, w.table_name), ', ')
    INTO left_over FROM (SELECT * FROM {SCHEMA}.writable(roles, patterns) LIMIT 10) w;
  IF left_over IS NOT NULL THEN
    RAISE EXCEPTION 'the fence would not hold, nothing was changed: still writable: %', left_over
      USING HINT = 'grant the application roles their privileges directly (not through a group or PUBLIC), '
                   'and make the fence role a member of every owner of a migrated table';
  END IF;
  RETURN n;
END $$;

CREATE OR REPLACE FUNCTION {SCHEMA}.unfence()
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  grant_row record;
  n integer := 0;
BEGIN
  FOR grant_row IN SELECT * FROM {SCHEMA}.revoked ORDER BY 1, 2, 3, 4 LOOP
    IF to_regclass(format('%I.%I', grant_row.schema_name, grant_row.table_name)) IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = grant_row.role_name) THEN
      EXECUTE format('GRANT %s ON %I.%I TO %I', grant_row.privilege, grant_row.schema_name,
                     grant_row.table_name, grant_row.role_name);
      n := n + 1;
    END IF;
  END LOOP;
  DELETE FROM {SCHEMA}.revoked;
  RETURN n;
END $$
"""

# One statement each: the extended protocol takes one at a time (dollar-quoted bodies hold semicolons).
SETUP = tuple(part.strip() for part in re.split(r";\n\n", SETUP_SQL) if part.strip())

FENCE = f"SELECT {SCHEMA}.fence(CAST(:roles AS text[]), CAST(:patterns AS text[])) AS revoked, now() AS at"
UNFENCE = f"SELECT {SCHEMA}.unfence() AS granted"
WRITABLE = f"SELECT role_name, table_name FROM {SCHEMA}.writable(CAST(:roles AS text[]), CAST(:patterns AS text[]))"
RECORDED = f"SELECT count(*) AS recorded FROM {SCHEMA}.revoked"

# Application sessions on this database, never the fence's own. pg_terminate_backend with a timeout waits
# until each backend has exited, so no session's commit can follow the marker written next.
SESSIONS = """
SELECT pid, usename::text AS role_name FROM pg_stat_activity
WHERE datname = current_database() AND usename = ANY (CAST(:roles AS text[])) AND pid <> pg_backend_pid()
"""
END_SESSIONS = """
SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) AS ended FROM pg_stat_activity
WHERE datname = current_database() AND usename = ANY (CAST(:roles AS text[])) AND pid <> pg_backend_pid()
"""

FOUND_ROLES = "SELECT rolname::text AS role_name FROM pg_roles WHERE rolname = ANY (CAST(:roles AS text[]))"

# What the fence role can do here: a dry run measures it without changing anything.
ABILITIES = f"""
SELECT current_user::text AS fence_role,
       pg_has_role('pg_signal_backend', 'MEMBER') AS can_end_sessions,
       (SELECT count(*) FROM {SCHEMA}.migrated_tables(CAST(:patterns AS text[])) t
         WHERE NOT pg_has_role(t.owner, 'USAGE')) AS tables_not_owned,
       (SELECT count(*) FROM {SCHEMA}.migrated_tables(CAST(:patterns AS text[]))) AS tables
"""


def quoted(table: str) -> str:
    schema, _, name = table.partition(".")
    return f'"{schema}"."{name}"'


def marker_insert(table: str) -> str:
    """The marker row, in a migrated schema, so DMS carries it to the other side after every earlier write."""
    return f"INSERT INTO {quoted(table)} (token, side) VALUES (:token, :side) RETURNING at"


def marker_seen(table: str) -> str:
    return f"SELECT at FROM {quoted(table)} WHERE token = :token"


def control_table_ddl(table: str) -> str:
    """What docs/runbook.md has the operator create on on-prem before the full load (DMS copies it to Aurora)."""
    return (f"CREATE TABLE {quoted(table)} (token text PRIMARY KEY, side text NOT NULL, "
            "at timestamptz NOT NULL DEFAULT clock_timestamp());")
