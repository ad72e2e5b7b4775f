"""The fence's SQL, run by the fence role over PostgreSQL's protocol (pg8000's `:name` parameters).

Deny by default. Every role outside the allowlist (`:allow`: the replication's roles and the provider's
administrative roles, from the stack; the fence role itself always) is denied, whether or not anyone listed it.
Two layers, one per way a side is fenced:

- **Closed** (the side that stops serving: on-prem at the flip, Aurora at a rollback). `CONNECT` on the
  database is revoked from PUBLIC and from every role outside the allowlist (the allowlist keeps an explicit
  grant); in the same transaction the fence proves that no login role outside the allowlist can connect
  (superusers bypass the check, so a superuser outside the allowlist refuses the fence). Then every backend of
  a role outside the allowlist is ended and the count re-measured until it is zero twice in a row; a backend
  still there at the bound refuses the fence and reopens the side. No session means no route: views, definer
  functions, rules, `SET ROLE` and `COMMIT PREPARED` all need one. A prepared transaction (it outlives its
  session) refuses the fence, named, before and after the sessions are ended.
- **Read-only** (Aurora from `start-cutover` until the flip, while it serves the reader canary). Write
  privileges on every migrated table are revoked from every grantee outside the allowlist, PUBLIC included; the
  fence role is a member of every table's owner, so PostgreSQL revokes as the owner, which also takes away
  the owner's own. The proof, in the same transaction: no role that a login role outside the allowlist can
  become (membership, `SET ROLE`, `pg_write_all_data`) can write a migrated table, and no view, rule or
  `SECURITY DEFINER` function owned by a role that can still write one is writable or executable by such a
  role. Any left over raises, named, and nothing changes. What it takes from a grantee is parked on that grantee's
  holding role (NOLOGIN, no member while fenced) when the fence role may create roles, so the lift inside the
  write pause is one membership per grantee, not a grant per table; settle() gives the grants back directly
  after the pause and drops the holding roles.

What each layer took is recorded in the schema `cutover_fence` (DMS does not migrate it), so lifting gives back
exactly that. Privileges are checked when each statement runs, whatever `transaction_read_only` says.
"""

from __future__ import annotations

import re

from shared import sql as shared_sql

VERSION = 6  # the setup's version: it runs again only when this changes
GRANT_BATCH = 1000  # tables one GRANT or REVOKE names (the fence, the lift table by table, the settle)
SAMPLE = 10  # names a refusal or a measurement carries at most
QUERY_LOCK_TIMEOUT_SECONDS = 5  # a named query (a sync page, a parity question) waits no longer on a lock
END_SESSIONS_BOUND_SECONDS = 10  # ending sessions: past this, the fence is refused and the side reopened

SCHEMA = shared_sql.FENCE_SCHEMA
# What the fence covers: every relation a write to a migrated table can land in (shared.sql), partitions included.
MIGRATED = shared_sql.writable_relations("patterns")
# Why a layer would not hold, and what to do: the same words from the fence when it refuses and from the dry run.
REFUSALS = {"writable": "still writable", "route": "writes a migrated table for a role outside the allowlist",
            "connect": "can still connect"}
HINTS = {
    "writable": "make the fence role a member of every owner of a migrated table, and keep roles outside the "
                "allowlist out of the allowlisted roles",
    "route": "revoke the route from PUBLIC and the application roles, make a view security_invoker, or change its "
             "owner to a fenced role",
    "connect": "put superusers in the allowlist or take their login away, make the fence role a member of the "
               "database owner, and keep roles outside the allowlist out of the allowlisted roles",
}

# Created (or replaced) by the fence role in its own schema when VERSION changes; SECURITY INVOKER, so each runs
# with exactly the fence role's privileges.
SETUP_SQL = f"""
CREATE TABLE IF NOT EXISTS {SCHEMA}.revoked (
  schema_name text NOT NULL, table_name text NOT NULL, role_name text NOT NULL, privilege text NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema_name, table_name, role_name, privilege));

CREATE TABLE IF NOT EXISTS {SCHEMA}.connect_revoked (
  role_name text PRIMARY KEY, revoked_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE IF NOT EXISTS {SCHEMA}.connect_granted (
  role_name text PRIMARY KEY, granted_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE IF NOT EXISTS {SCHEMA}.installed (version integer NOT NULL);

ALTER TABLE {SCHEMA}.revoked ADD COLUMN IF NOT EXISTS holder text;

-- The lift finds the grants it gives back table by table through this, never by reading every grant the fence took.
CREATE INDEX IF NOT EXISTS revoked_holder ON {SCHEMA}.revoked (holder);

-- Grantees whose write privileges the read-only layer parks on a holding role (NOLOGIN, nobody a member): the lift
-- makes the grantee a member (lifted_at), settle() gives the grants back to the grantee and drops the holder.
CREATE TABLE IF NOT EXISTS {SCHEMA}.held (
  role_name text PRIMARY KEY, holder text NOT NULL UNIQUE, lifted_at timestamptz, grants integer NOT NULL DEFAULT 0);

ALTER TABLE {SCHEMA}.held ADD COLUMN IF NOT EXISTS grants integer NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION {SCHEMA}.migrated_tables(patterns text[])
RETURNS TABLE (oid oid, schema_name name, table_name name, owner oid) LANGUAGE sql STABLE AS $$
{MIGRATED}
$$;

CREATE OR REPLACE FUNCTION {SCHEMA}.allowed(allow text[])
RETURNS TABLE (oid oid) LANGUAGE sql STABLE AS $$
  SELECT r.oid FROM pg_roles r WHERE r.rolname = ANY (allow) OR r.rolname = current_user
$$;

-- Every role a login role outside the allowlist can act as: itself and every role it is a member of
-- (SET ROLE needs no INHERIT). PUBLIC's grants reach all of them through has_*_privilege.
CREATE OR REPLACE FUNCTION {SCHEMA}.reach(allow text[])
RETURNS TABLE (oid oid, via text) LANGUAGE sql STABLE AS $$
  SELECT DISTINCT ON (r.oid) r.oid, format('%I as %I', l.rolname, r.rolname)
  FROM pg_roles l JOIN pg_roles r ON pg_has_role(l.oid, r.oid, 'MEMBER')
  WHERE l.rolcanlogin AND l.oid NOT IN (SELECT oid FROM {SCHEMA}.allowed(allow))
  ORDER BY r.oid, l.rolname
$$;

-- Roles that can still write some migrated table (holders of a write ACL entry, their members, superusers,
-- pg_write_all_data): a view, rule or definer function they own writes with their privileges.
CREATE OR REPLACE FUNCTION {SCHEMA}.writers(patterns text[])
RETURNS TABLE (oid oid) LANGUAGE sql STABLE AS $$
  WITH holders AS (
    SELECT DISTINCT a.grantee FROM {SCHEMA}.migrated_tables(patterns) t
    JOIN pg_class c ON c.oid = t.oid
    CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
    WHERE a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE') AND a.grantee <> 0
  )
  SELECT r.oid FROM pg_roles r
  WHERE r.rolsuper
     OR EXISTS (SELECT 1 FROM pg_roles w WHERE w.rolname = 'pg_write_all_data' AND pg_has_role(r.oid, w.oid, 'USAGE'))
     OR EXISTS (SELECT 1 FROM holders h WHERE pg_has_role(r.oid, h.grantee, 'USAGE'))
$$;

-- Routes around the table privileges: a view or a rule that reaches a migrated table and is owned by a writer,
-- or a SECURITY DEFINER function owned by a writer, that a role outside the allowlist can write or execute.
CREATE OR REPLACE FUNCTION {SCHEMA}.routes(allow text[], patterns text[])
RETURNS TABLE (kind text, object_name text, via text) LANGUAGE sql STABLE AS $$
  WITH writers AS MATERIALIZED (SELECT oid FROM {SCHEMA}.writers(patterns)),
  reach AS MATERIALIZED (SELECT * FROM {SCHEMA}.reach(allow)),
  migrated AS MATERIALIZED (SELECT oid FROM {SCHEMA}.migrated_tables(patterns)),
  rewrites AS (
    SELECT DISTINCT ON (c.oid, rw.rulename) c.oid, c.relkind, rw.rulename,
           format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_rewrite rw
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                    AND d.refclassid = 'pg_class'::regclass AND d.refobjid IN (SELECT oid FROM migrated)
    JOIN pg_class c ON c.oid = rw.ev_class
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid NOT IN (SELECT oid FROM migrated) AND c.relowner IN (SELECT oid FROM writers)
      AND (rw.rulename <> '_RETURN' OR NOT coalesce('security_invoker=true' = ANY (c.reloptions), false))
  )
  SELECT CASE WHEN w.rulename = '_RETURN' THEN 'view' ELSE 'rule ' || quote_ident(w.rulename) END,
         w.name, min(r.via)
  FROM rewrites w JOIN reach r ON has_table_privilege(r.oid, w.oid, 'INSERT, UPDATE, DELETE')
  GROUP BY 1, 2
  UNION ALL
  SELECT 'security definer function', p.oid::regprocedure::text, min(r.via)
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN reach r ON has_function_privilege(r.oid, p.oid, 'EXECUTE')
  WHERE p.prosecdef AND p.proowner IN (SELECT oid FROM writers)
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', '{SCHEMA}')
    AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
                    AND e.deptype = 'e')
  GROUP BY 1, 2
  ORDER BY 1, 2
$$;

-- (role, table) pairs where a role outside the allowlist can still write: the read-only layer does not hold
-- while any exists.
CREATE OR REPLACE FUNCTION {SCHEMA}.writable(allow text[], patterns text[])
RETURNS TABLE (role_name text, table_name text) LANGUAGE sql STABLE AS $$
  SELECT r.via, format('%I.%I', t.schema_name, t.table_name)
  FROM {SCHEMA}.migrated_tables(patterns) t
  CROSS JOIN {SCHEMA}.reach(allow) r
  WHERE has_table_privilege(r.oid, t.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
     OR has_any_column_privilege(r.oid, t.oid, 'INSERT, UPDATE')
  ORDER BY 1, 2
$$;

-- Login roles outside the allowlist that can still open a session on this database.
CREATE OR REPLACE FUNCTION {SCHEMA}.can_connect(allow text[])
RETURNS TABLE (role_name text, why text) LANGUAGE sql STABLE AS $$
  SELECT r.rolname::text, CASE WHEN r.rolsuper THEN 'superuser' ELSE 'CONNECT' END
  FROM pg_roles r
  WHERE r.rolcanlogin AND r.oid NOT IN (SELECT oid FROM {SCHEMA}.allowed(allow))
    AND (r.rolsuper OR has_database_privilege(r.oid, current_database(), 'CONNECT'))
  ORDER BY 1
$$;

-- What the read-only layer would leave writable, predicted without revoking anything (the dry run runs in a READ
-- ONLY transaction): fence() takes away the table write grants of every grantee outside the allowlist, PUBLIC
-- included (and with each, that grantee's column grants of the same privilege), and keeps the rest: the grants
-- of allowlisted roles, other column grants, superusers, pg_write_all_data.
-- The same (role, table) pairs writable() finds once fence() has revoked (tests compare the two on each route).
CREATE OR REPLACE FUNCTION {SCHEMA}.would_write(allow text[], patterns text[])
RETURNS TABLE (role_name text, table_name text) LANGUAGE sql STABLE AS $$
  WITH migrated AS MATERIALIZED (SELECT * FROM {SCHEMA}.migrated_tables(patterns)),
  allowed AS MATERIALIZED (SELECT oid FROM {SCHEMA}.allowed(allow)),
  reach AS MATERIALIZED (
    SELECT r.oid, r.via, ro.rolsuper OR EXISTS (
             SELECT 1 FROM pg_roles w WHERE w.rolname = 'pg_write_all_data' AND pg_has_role(r.oid, w.oid, 'USAGE'))
             AS writes_all
    FROM {SCHEMA}.reach(allow) r JOIN pg_roles ro ON ro.oid = r.oid),
  kept AS MATERIALIZED (
    SELECT DISTINCT t.oid AS rel, a.grantee
    FROM migrated t JOIN pg_class c ON c.oid = t.oid
    CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
    WHERE a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE') AND a.grantee IN (SELECT oid FROM allowed)
    UNION
    -- A table-level REVOKE takes the grantee's column grants of that privilege with it; others stay.
    SELECT t.oid, a.grantee
    FROM migrated t JOIN pg_class c ON c.oid = t.oid
    JOIN pg_attribute at ON at.attrelid = t.oid AND at.attacl IS NOT NULL AND NOT at.attisdropped
    CROSS JOIN LATERAL aclexplode(at.attacl) a
    WHERE a.privilege_type IN ('INSERT', 'UPDATE')
      AND (a.grantee IN (SELECT oid FROM allowed) OR NOT EXISTS (
             SELECT 1 FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) r
             WHERE r.grantee = a.grantee AND r.privilege_type = a.privilege_type))),
  usable AS MATERIALIZED (
    SELECT r.via, g.grantee FROM reach r JOIN (SELECT DISTINCT grantee FROM kept) g
      ON g.grantee = 0 OR pg_has_role(r.oid, g.grantee, 'USAGE'))
  SELECT DISTINCT u.via, format('%I.%I', t.schema_name, t.table_name)
  FROM usable u JOIN kept k ON k.grantee = u.grantee JOIN migrated t ON t.oid = k.rel
  UNION
  SELECT r.via, format('%I.%I', t.schema_name, t.table_name) FROM reach r CROSS JOIN migrated t WHERE r.writes_all
  ORDER BY 1, 2
$$;

-- Login roles outside the allowlist that could still connect once close() has run, predicted without revoking:
-- close() takes CONNECT from every grantee outside the allowlist, PUBLIC included, and grants it to each allowlisted
-- role that is not a superuser. The same roles can_connect() finds after close().
CREATE OR REPLACE FUNCTION {SCHEMA}.would_connect(allow text[])
RETURNS TABLE (role_name text, why text) LANGUAGE sql STABLE AS $$
  WITH allowed AS MATERIALIZED (SELECT oid FROM {SCHEMA}.allowed(allow)),
  holders AS MATERIALIZED (
    SELECT r.oid FROM pg_roles r
    WHERE r.oid IN (SELECT oid FROM allowed)
      AND (NOT r.rolsuper OR EXISTS (
            SELECT 1 FROM pg_database d CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
            WHERE d.datname = current_database() AND a.grantee = r.oid AND a.privilege_type = 'CONNECT')))
  SELECT l.rolname::text, CASE WHEN l.rolsuper THEN 'superuser' ELSE 'CONNECT' END
  FROM pg_roles l
  WHERE l.rolcanlogin AND l.oid NOT IN (SELECT oid FROM allowed)
    AND (l.rolsuper OR EXISTS (SELECT 1 FROM holders h WHERE pg_has_role(l.oid, h.oid, 'USAGE')))
  ORDER BY 1
$$;

-- Whether a grantee's write grants are parked on a holding role, so that the lift inside the write pause is one
-- membership per grantee instead of one grant per table: the fence role may create roles, and the grantee takes
-- privileges through a membership (PostgreSQL 16 grants it WITH INHERIT TRUE; before 16 the grantee's own INHERIT
-- decides). PUBLIC cannot be a member: its grants go back one table at a time, as do all when this is false.
CREATE OR REPLACE FUNCTION {SCHEMA}.holds(grantee oid)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT grantee <> 0
     AND coalesce((SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user), false)
     AND coalesce((SELECT current_setting('server_version_num')::int >= 160000 OR rolinherit
                   FROM pg_roles WHERE oid = grantee), false)
$$;

-- The holding role of a grantee on this database: by oids, so it is unique in the cluster and at most 63 bytes.
CREATE OR REPLACE FUNCTION {SCHEMA}.holder_name(grantee oid)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT format('cutover_held_%s_%s', (SELECT oid FROM pg_database WHERE datname = current_database()), grantee)
$$;

-- Whether the fence role may grant and revoke membership in `holder` (before 16, CREATEROLE is enough; from 16,
-- ADMIN OPTION on it, which the role that creates it gets).
CREATE OR REPLACE FUNCTION {SCHEMA}.administers(holder text)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT r.rolsuper OR (current_setting('server_version_num')::int < 160000 AND r.rolcreaterole)
      OR EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles h ON h.oid = m.roleid
                 WHERE h.rolname = holder AND m.member = r.oid AND m.admin_option)
  FROM pg_roles r WHERE r.rolname = current_user
$$;

-- The grantee's holding role, created if missing and recorded; one the fence role cannot administer refuses.
CREATE OR REPLACE FUNCTION {SCHEMA}.hold(grantee oid, holder text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  who text := (SELECT rolname FROM pg_roles WHERE oid = grantee);
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = holder) THEN
    EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', holder);
    EXECUTE format('COMMENT ON ROLE %I IS %L', holder,
                   format('write privileges of %s on database %s, held by the cutover fence until it is lifted',
                          who, current_database()));
  ELSIF NOT {SCHEMA}.administers(holder) THEN
    RAISE EXCEPTION 'the fence would not hold, nothing was changed: % cannot grant the holding role % to %',
      current_user, holder, who USING HINT = 'drop that role, or grant it to the fence role WITH ADMIN OPTION';
  END IF;
  INSERT INTO {SCHEMA}.held (role_name, holder) VALUES (who, holder)
  ON CONFLICT (role_name) DO UPDATE SET holder = EXCLUDED.holder;
END $$;

-- Everything the holding role still holds on this database given back, then the role dropped; a role that still
-- holds something elsewhere stays (nothing depends on it being gone).
CREATE OR REPLACE FUNCTION {SCHEMA}.release(holder text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  h oid := (SELECT oid FROM pg_roles WHERE rolname = holder);
  rels text[];
BEGIN
  IF h IS NULL THEN
    RETURN;
  END IF;
  SELECT array_agg(d.objid::regclass::text ORDER BY d.objid) INTO rels
  FROM pg_shdepend d
  WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = h AND d.classid = 'pg_class'::regclass
    AND d.deptype = 'a' AND d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database());
  FOR i IN 0 .. (coalesce(cardinality(rels), 0) - 1) / {GRANT_BATCH} LOOP
    EXECUTE format('REVOKE ALL ON TABLE %s FROM %I',
                   array_to_string(rels[i * {GRANT_BATCH} + 1 : (i + 1) * {GRANT_BATCH}], ', '), holder);
  END LOOP;
  BEGIN
    EXECUTE format('DROP ROLE %I', holder);
  EXCEPTION WHEN dependent_objects_still_exist THEN
    NULL;
  END;
END $$;

-- What the read-only layer takes: every write grant on a migrated table of a grantee outside the allowlist, PUBLIC
-- included (the holding roles' own excepted: they are the fence's), with the holding role it is parked on.
CREATE OR REPLACE FUNCTION {SCHEMA}.taking(allow text[], patterns text[])
RETURNS TABLE (schema_name text, table_name text, grantee oid, role_name text, privilege text, holder text)
LANGUAGE sql STABLE AS $$
  WITH grants AS MATERIALIZED (
    SELECT t.schema_name, t.table_name, a.grantee, a.privilege_type
    FROM {SCHEMA}.migrated_tables(patterns) t
    JOIN pg_class c ON c.oid = t.oid
    CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
    WHERE a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
      AND a.grantee NOT IN (SELECT oid FROM {SCHEMA}.allowed(allow))
  ),
  grantees AS MATERIALIZED (  -- once per grantee, not per grant
    SELECT g.grantee, coalesce(ro.rolname, 'PUBLIC') AS role_name,
           CASE WHEN {SCHEMA}.holds(g.grantee) THEN {SCHEMA}.holder_name(g.grantee) END AS holder
    FROM (SELECT DISTINCT grants.grantee FROM grants) g LEFT JOIN pg_roles ro ON ro.oid = g.grantee
    WHERE coalesce(ro.rolname, 'PUBLIC') NOT IN (SELECT held.holder FROM {SCHEMA}.held)
  )
  SELECT g.schema_name::text, g.table_name::text, g.grantee, e.role_name::text, g.privilege_type, e.holder
  FROM grants g JOIN grantees e ON e.grantee = g.grantee
$$;

CREATE OR REPLACE FUNCTION {SCHEMA}.fence(allow text[], patterns text[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n integer := 0;
  tables text;
  left_over text;
BEGIN
  -- A lift whose grants were not given back yet is taken back first: each grantee leaves its holding role.
  FOR r IN SELECT h.* FROM {SCHEMA}.held h WHERE h.lifted_at IS NOT NULL ORDER BY 1 LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.role_name)
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.holder) THEN
      EXECUTE format('REVOKE %I FROM %I', r.holder, r.role_name);
    END IF;
    UPDATE {SCHEMA}.held SET lifted_at = NULL WHERE role_name = r.role_name;
  END LOOP;
  -- What it takes, recorded first, then taken: parked on the grantee's holding role where it has one, by one
  -- statement per grantee, set of privileges and {GRANT_BATCH} tables (not one per table: 2.5 times faster).
  INSERT INTO {SCHEMA}.revoked (schema_name, table_name, role_name, privilege, holder)
  SELECT schema_name, table_name, role_name, privilege, holder FROM {SCHEMA}.taking(allow, patterns)
  ON CONFLICT (schema_name, table_name, role_name, privilege) DO UPDATE
    SET holder = coalesce(EXCLUDED.holder, {SCHEMA}.revoked.holder);
  FOR r IN
    SELECT g.grantee, g.role_name, g.holder, g.privileges, array_agg(g.name ORDER BY g.name) AS names, sum(g.n) AS n
    FROM (SELECT format('%I.%I', schema_name, table_name) AS name, grantee, role_name, holder,
                 string_agg(privilege, ', ' ORDER BY privilege) AS privileges, count(*) AS n
          FROM {SCHEMA}.taking(allow, patterns) GROUP BY 1, 2, 3, 4) g
    GROUP BY 1, 2, 3, 4 ORDER BY 2, 4
  LOOP
    IF r.holder IS NOT NULL THEN
      PERFORM {SCHEMA}.hold(r.grantee, r.holder);
    END IF;
    FOR i IN 0 .. (cardinality(r.names) - 1) / {GRANT_BATCH} LOOP
      tables := array_to_string(r.names[i * {GRANT_BATCH} + 1 : (i + 1) * {GRANT_BATCH}], ', ');
      IF r.holder IS NOT NULL THEN
        EXECUTE format('GRANT %s ON TABLE %s TO %I', r.privileges, tables, r.holder);
      END IF;
      EXECUTE format('REVOKE %s ON TABLE %s FROM %s', r.privileges, tables,
                     CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.role_name) END);
    END LOOP;
    n := n + r.n;
  END LOOP;
  UPDATE {SCHEMA}.held h SET grants = (SELECT count(*) FROM {SCHEMA}.revoked v WHERE v.holder = h.holder);
  SELECT string_agg(format('%s on %s', w.role_name, w.table_name), ', ')
    INTO left_over FROM (SELECT * FROM {SCHEMA}.writable(allow, patterns) LIMIT {SAMPLE}) w;
  IF left_over IS NOT NULL THEN
    RAISE EXCEPTION 'the fence would not hold, nothing was changed: {REFUSALS["writable"]}: %', left_over
      USING HINT = '{HINTS["writable"]}';
  END IF;
  SELECT string_agg(format('%s %s (by %s)', w.kind, w.object_name, w.via), ', ')
    INTO left_over FROM (SELECT * FROM {SCHEMA}.routes(allow, patterns) LIMIT {SAMPLE}) w;
  IF left_over IS NOT NULL THEN
    RAISE EXCEPTION 'the fence would not hold, nothing was changed: {REFUSALS["route"]}: %', left_over
      USING HINT = '{HINTS["route"]}';
  END IF;
  RETURN n;
END $$;

CREATE OR REPLACE FUNCTION {SCHEMA}.close(allow text[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n integer := 0;
  db name := current_database();
  left_over text;
BEGIN
  FOR r IN
    SELECT ro.rolname FROM pg_roles ro, pg_database d
    WHERE d.datname = db AND ro.oid IN (SELECT oid FROM {SCHEMA}.allowed(allow)) AND NOT ro.rolsuper
      AND NOT EXISTS (SELECT 1 FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                      WHERE a.grantee = ro.oid AND a.privilege_type = 'CONNECT')
  LOOP
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', db, r.rolname);
    INSERT INTO {SCHEMA}.connect_granted (role_name) VALUES (r.rolname) ON CONFLICT DO NOTHING;
  END LOOP;
  FOR r IN
    SELECT DISTINCT a.grantee, coalesce(ro.rolname, 'PUBLIC') AS rolname
    FROM pg_database d CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
    LEFT JOIN pg_roles ro ON ro.oid = a.grantee
    WHERE d.datname = db AND a.privilege_type = 'CONNECT'
      AND a.grantee NOT IN (SELECT oid FROM {SCHEMA}.allowed(allow))
  LOOP
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %s', db,
                   CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END);
    INSERT INTO {SCHEMA}.connect_revoked (role_name) VALUES (r.rolname) ON CONFLICT DO NOTHING;
    n := n + 1;
  END LOOP;
  SELECT string_agg(format('%I (%s)', c.role_name, c.why), ', ')
    INTO left_over FROM (SELECT * FROM {SCHEMA}.can_connect(allow) LIMIT {SAMPLE}) c;
  IF left_over IS NOT NULL THEN
    RAISE EXCEPTION 'the fence would not hold, nothing was changed: {REFUSALS["connect"]}: %', left_over
      USING HINT = '{HINTS["connect"]}';
  END IF;
  RETURN n;
END $$;

CREATE OR REPLACE FUNCTION {SCHEMA}.unfence(layer text DEFAULT 'all')
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n integer := 0;
  unheld text[];
  db name := current_database();
BEGIN
  IF layer IN ('all', 'table') THEN
    -- Parked grants: one membership per grantee, whatever the number of tables (no grant the fence took is read);
    -- settle() gives them back to the grantee directly after the write pause and drops the holding role.
    FOR r IN SELECT h.* FROM {SCHEMA}.held h WHERE h.lifted_at IS NULL ORDER BY 1 LOOP
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.role_name)
         AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.holder) THEN
        EXECUTE format('GRANT %I TO %I%s', r.holder, r.role_name,
                       CASE WHEN current_setting('server_version_num')::int >= 160000
                            THEN ' WITH INHERIT TRUE, SET FALSE' ELSE '' END);
        UPDATE {SCHEMA}.held SET lifted_at = now() WHERE role_name = r.role_name;
        n := n + r.grants;
      END IF;
    END LOOP;
    -- The rest, table by table: PUBLIC's, a grantee that takes nothing through a membership, a holder gone. One GRANT
    -- per role and set of privileges, over up to {GRANT_BATCH} tables: the catalog work stays per table, but no
    -- statement is parsed and planned per table (a third of the time at 5,000 tables).
    unheld := ARRAY(SELECT h.holder FROM {SCHEMA}.held h WHERE h.lifted_at IS NULL);
    FOR r IN
      SELECT g.role_name, g.privileges, array_agg(g.table_name ORDER BY g.table_name) AS tables, sum(g.n) AS n
      FROM (SELECT format('%I.%I', v.schema_name, v.table_name) AS table_name, v.role_name,
                   string_agg(v.privilege, ', ' ORDER BY v.privilege) AS privileges, count(*) AS n
            FROM (SELECT * FROM {SCHEMA}.revoked WHERE holder IS NULL
                  UNION ALL SELECT * FROM {SCHEMA}.revoked WHERE holder = ANY (unheld)) v
            WHERE to_regclass(format('%I.%I', v.schema_name, v.table_name)) IS NOT NULL
              AND (v.role_name = 'PUBLIC' OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v.role_name))
            GROUP BY 1, 2) g
      GROUP BY 1, 2 ORDER BY 1, 2
    LOOP
      FOR i IN 0 .. (cardinality(r.tables) - 1) / {GRANT_BATCH} LOOP
        EXECUTE format('GRANT %s ON TABLE %s TO %s', r.privileges,
                       array_to_string(r.tables[i * {GRANT_BATCH} + 1 : (i + 1) * {GRANT_BATCH}], ', '),
                       CASE WHEN r.role_name = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.role_name) END);
      END LOOP;
      n := n + r.n;
    END LOOP;
    DELETE FROM {SCHEMA}.revoked WHERE holder IS NULL;
    DELETE FROM {SCHEMA}.revoked WHERE holder = ANY (unheld);
    FOR r IN SELECT h.* FROM {SCHEMA}.held h WHERE h.lifted_at IS NULL LOOP  -- a holder whose grantee is gone
      PERFORM {SCHEMA}.release(r.holder);
    END LOOP;
    DELETE FROM {SCHEMA}.held WHERE lifted_at IS NULL;
  END IF;
  IF layer IN ('all', 'connect') THEN
    FOR r IN SELECT * FROM {SCHEMA}.connect_revoked ORDER BY 1 LOOP
      IF r.role_name = 'PUBLIC' OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.role_name) THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %s', db,
                       CASE WHEN r.role_name = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.role_name) END);
        n := n + 1;
      END IF;
    END LOOP;
    FOR r IN SELECT * FROM {SCHEMA}.connect_granted ORDER BY 1 LOOP
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.role_name) THEN
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', db, r.role_name);
      END IF;
    END LOOP;
    DELETE FROM {SCHEMA}.connect_revoked;
    DELETE FROM {SCHEMA}.connect_granted;
  END IF;
  RETURN n;
END $$;

-- After the write pause: each lifted grantee's parked grants given back to it directly (it holds them through the
-- membership meanwhile, so it never lacks one), then its membership and the holding role gone. Per table, so never
-- inside the pause; a grantee still fenced is left as it is.
CREATE OR REPLACE FUNCTION {SCHEMA}.settle()
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  g record;
  n integer := 0;
BEGIN
  FOR r IN SELECT h.* FROM {SCHEMA}.held h WHERE h.lifted_at IS NOT NULL ORDER BY 1 LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.role_name) THEN
      FOR g IN
        SELECT x.privileges, array_agg(x.name ORDER BY x.name) AS tables, sum(x.n) AS n
        FROM (SELECT format('%I.%I', v.schema_name, v.table_name) AS name,
                     string_agg(v.privilege, ', ' ORDER BY v.privilege) AS privileges, count(*) AS n
              FROM {SCHEMA}.revoked v
              WHERE v.holder = r.holder AND to_regclass(format('%I.%I', v.schema_name, v.table_name)) IS NOT NULL
              GROUP BY 1) x
        GROUP BY 1 ORDER BY 1
      LOOP
        FOR i IN 0 .. (cardinality(g.tables) - 1) / {GRANT_BATCH} LOOP
          EXECUTE format('GRANT %s ON TABLE %s TO %I', g.privileges,
                         array_to_string(g.tables[i * {GRANT_BATCH} + 1 : (i + 1) * {GRANT_BATCH}], ', '),
                         r.role_name);
        END LOOP;
        n := n + g.n;
      END LOOP;
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.holder) THEN
        EXECUTE format('REVOKE %I FROM %I', r.holder, r.role_name);
      END IF;
    END IF;
    PERFORM {SCHEMA}.release(r.holder);
    DELETE FROM {SCHEMA}.revoked WHERE holder = r.holder;
    DELETE FROM {SCHEMA}.held WHERE role_name = r.role_name;
  END LOOP;
  RETURN n;
END $$;

DELETE FROM {SCHEMA}.installed;

INSERT INTO {SCHEMA}.installed (version) VALUES ({VERSION})
"""

# One statement each: the extended protocol takes one at a time (dollar-quoted bodies hold semicolons).
SETUP = tuple(part.strip() for part in re.split(r";\n\n", SETUP_SQL) if part.strip())
HAS_SETUP = f"SELECT to_regclass('{SCHEMA}.installed') IS NOT NULL AS present"
INSTALLED = f"SELECT coalesce(max(version), 0) AS version FROM {SCHEMA}.installed"

_ALLOW = "CAST(:allow AS text[])"
_PATTERNS = "CAST(:patterns AS text[])"
FENCE = f"SELECT {SCHEMA}.fence({_ALLOW}, {_PATTERNS}) AS revoked, now() AS at"
CLOSE = f"SELECT {SCHEMA}.close({_ALLOW}) AS revoked, now() AS at"
UNFENCE = f"SELECT {SCHEMA}.unfence(CAST(:layer AS text)) AS granted"
SETTLE = f"SELECT {SCHEMA}.settle() AS granted"
# What the fence holds taken now (a grant parked on a holding role its grantee is a member of again is not).
RECORDED = (f"SELECT (SELECT count(*) FROM {SCHEMA}.revoked v WHERE v.holder IS NULL OR v.holder NOT IN "
            f"(SELECT holder FROM {SCHEMA}.held WHERE lifted_at IS NOT NULL)) AS table_grants, "
            f"(SELECT count(*) FROM {SCHEMA}.connect_revoked) AS connect_grants")

# Sessions on this database of roles outside the allowlist (by session user: a pool that logs in as one role and
# runs SET ROLE is still its login role here), never the fence's own.
_OTHERS = f"""
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND usesysid IS NOT NULL
  AND usesysid NOT IN (SELECT oid FROM {SCHEMA}.allowed({_ALLOW}))
"""
SESSIONS = f"SELECT count(*) AS sessions, coalesce(string_agg(DISTINCT usename::text, ','), '') AS roles {_OTHERS}"
# Signals every one at once (no wait per backend: they exit in parallel); the caller re-counts until none is left,
# since a signalled backend stays listed until it has exited.
END_SESSIONS = f"SELECT pid, pg_terminate_backend(pid) AS signalled {_OTHERS}"

PREPARED = f"""
SELECT count(*) AS prepared,
       coalesce(string_agg(format('%L by %I since %s', gid, owner, prepared), ', ' ORDER BY prepared), '') AS names
FROM (SELECT * FROM pg_prepared_xacts WHERE database = current_database() ORDER BY prepared LIMIT {SAMPLE}) p
"""
PREPARED_COUNT = "SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE database = current_database()"

# The measured fence: whether a role outside the allowlist can write now, and how each layer stands.
MEASURED = f"""
SELECT (SELECT count(*) FROM {SCHEMA}.can_connect({_ALLOW})) AS can_connect,
       (SELECT coalesce(string_agg(role_name, ','), '') FROM
          (SELECT role_name FROM {SCHEMA}.can_connect({_ALLOW}) LIMIT {SAMPLE}) c) AS can_connect_roles,
       (SELECT count(*) FROM (SELECT 1 FROM {SCHEMA}.writable({_ALLOW}, {_PATTERNS}) LIMIT 1) w) AS writable,
       (SELECT coalesce(string_agg(format('%s on %s', role_name, table_name), ', '), '') FROM
          (SELECT * FROM {SCHEMA}.writable({_ALLOW}, {_PATTERNS}) LIMIT {SAMPLE}) w) AS writable_sample
"""

ROUTES = f"""
SELECT kind, object_name, via FROM {SCHEMA}.routes({_ALLOW}, {_PATTERNS}) LIMIT {SAMPLE}
"""

# The dry run's predictions (read-only): what each layer would revoke, and who could still write or connect after.
WOULD = f"""
WITH taking AS MATERIALIZED (SELECT * FROM {SCHEMA}.taking({_ALLOW}, {_PATTERNS})),
-- How the lift will give back what the fence holds now and what it would take: memberships, or table by table.
per_table AS (SELECT role_name FROM taking WHERE holder IS NULL
              UNION ALL SELECT role_name FROM {SCHEMA}.revoked WHERE holder IS NULL)
SELECT (SELECT count(*) FROM taking) AS table_grants,
       (SELECT count(*) FROM (SELECT role_name FROM taking WHERE holder IS NOT NULL
                              UNION SELECT role_name FROM {SCHEMA}.held) h) AS held_grantees,
       (SELECT count(*) FROM per_table) AS per_table_grants,
       (SELECT coalesce(string_agg(DISTINCT role_name, ', '), '') FROM per_table) AS per_table_roles,
       (SELECT count(DISTINCT a.grantee) FROM pg_database d
          CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
          WHERE d.datname = current_database() AND a.privilege_type = 'CONNECT'
            AND a.grantee NOT IN (SELECT oid FROM {SCHEMA}.allowed({_ALLOW}))) AS connect_grants,
       (SELECT coalesce(string_agg(format('%s on %s', role_name, table_name), ', '), '') FROM
          (SELECT * FROM {SCHEMA}.would_write({_ALLOW}, {_PATTERNS}) LIMIT {SAMPLE}) w) AS still_writable,
       (SELECT coalesce(string_agg(format('%I (%s)', role_name, why), ', '), '') FROM
          (SELECT * FROM {SCHEMA}.would_connect({_ALLOW}) LIMIT {SAMPLE}) c) AS still_connect
"""

FOUND_ROLES = "SELECT rolname::text AS role_name FROM pg_roles WHERE rolname = ANY (CAST(:roles AS text[]))"

# What the fence role can do here: a dry run measures it without changing anything.
ABILITIES = f"""
SELECT current_user::text AS fence_role,
       pg_has_role('pg_signal_backend', 'MEMBER') AS can_end_sessions,
       (SELECT pg_has_role(datdba, 'USAGE') FROM pg_database WHERE datname = current_database()) AS owns_database,
       (SELECT count(*) FROM {SCHEMA}.migrated_tables({_PATTERNS}) t
         WHERE NOT pg_has_role(t.owner, 'USAGE')) AS tables_not_owned,
       (SELECT coalesce(string_agg(n, ', '), '') FROM (
          SELECT format('%I.%I owned by %I', t.schema_name, t.table_name, pg_get_userbyid(t.owner)) AS n
          FROM {SCHEMA}.migrated_tables({_PATTERNS}) t WHERE NOT pg_has_role(t.owner, 'USAGE')
          ORDER BY 1 LIMIT {SAMPLE}) s) AS not_owned_sample,
       (SELECT count(*) FROM {SCHEMA}.migrated_tables({_PATTERNS})) AS tables
"""

# What the side must not hold when a cutover moves (bounded answers: counts and the first names). Replication cannot
# carry unlogged tables (never in the WAL) or large objects (pg_largeobject); a transaction open past :bound seconds
# or DDL in progress (an ACCESS EXCLUSIVE lock on a migrated relation) would be cut halfway by the close.
READINESS = f"""
WITH migrated AS MATERIALIZED ({shared_sql.writable_relations(_PATTERNS)}),
unlogged AS (
  SELECT format('%I.%I', m.nspname, m.relname) AS name FROM migrated m JOIN pg_class c ON c.oid = m.oid
  WHERE c.relpersistence = 'u'
),
lo_columns AS (
  SELECT format('%I.%I.%I', m.nspname, m.relname, a.attname) AS name
  FROM migrated m JOIN pg_attribute a ON a.attrelid = m.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid WHERE t.typname IN ('oid', 'lo')
),
long AS (
  SELECT format('pid %s %I, open %s s, query started %s', pid, usename, round(extract(epoch FROM now() - xact_start)),
                to_char(query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS name, xact_start
  FROM pg_stat_activity
  WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
    AND xact_start < now() - make_interval(secs => CAST(:bound AS integer))
),
ddl AS (
  SELECT DISTINCT format('pid %s %I on %I.%I, since %s', l.pid, a.usename, m.nspname, m.relname,
                         to_char(a.query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS name
  FROM pg_locks l JOIN migrated m ON m.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.mode = 'AccessExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid()
)
SELECT pg_has_role('pg_read_all_stats', 'USAGE') AS can_read_stats,
       (SELECT count(*) FROM unlogged) AS unlogged,
       (SELECT coalesce(string_agg(name, ', ' ORDER BY name), '') FROM
          (SELECT name FROM unlogged ORDER BY name LIMIT {SAMPLE}) x) AS unlogged_sample,
       (SELECT count(*) FROM pg_largeobject_metadata) AS large_objects,
       (SELECT coalesce(string_agg(name, ', ' ORDER BY name), '') FROM
          (SELECT name FROM lo_columns ORDER BY name LIMIT {SAMPLE}) x) AS large_object_columns,
       (SELECT count(*) FROM long) AS long_transactions,
       (SELECT coalesce(string_agg(name, '; ' ORDER BY xact_start), '') FROM
          (SELECT * FROM long ORDER BY xact_start LIMIT {SAMPLE}) x) AS long_sample,
       (SELECT count(*) FROM ddl) AS ddl_in_progress,
       (SELECT coalesce(string_agg(name, '; ' ORDER BY name), '') FROM
          (SELECT name FROM ddl ORDER BY name LIMIT {SAMPLE}) x) AS ddl_sample
"""
