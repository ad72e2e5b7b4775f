"""The SQL the controller runs on Aurora through the RDS Data API, each a single statement.

A Data API call is one statement in its own transaction, so each question is one statement whatever
the number of tables or sequences: dynamic per-table queries run inside it through query_to_xml. The
migrated schemas arrive as LIKE patterns (DMS's % wildcard; a literal _ escaped).

Parameters (Data API named parameters, cast in the statement so no type is left to inference):
:schemas (comma-separated patterns), :since (ISO 8601), :gap (bigint), :apply (boolean), :after (text),
:token (text).
"""

from __future__ import annotations

FENCE_SCHEMA = "cutover_fence"  # the fence's own record and functions: never migrated, never fenced


def migrated_tables(patterns: str) -> str:
    """What "migrated" means, once for every user: the ordinary and partitioned tables of the schemas the tasks
    select (`patterns`, an SQL expression of LIKE patterns as text[]), top level only (a partition's rows are its
    parent's, so it is counted, keyed and synced through the parent), never DMS's own tables or the fence's
    schema. Columns: oid, nspname, relname, owner."""
    return f"""
  SELECT c.oid, n.nspname, c.relname, c.relowner AS owner
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname LIKE ANY ({patterns})
    AND n.nspname <> '{FENCE_SCHEMA}' AND c.relname NOT LIKE 'awsdms\\_%'
"""


def writable_relations(patterns: str) -> str:
    """Every relation a write to a migrated table can land in: the migrated tables and all their partitions,
    at any depth and in whatever schema (privileges are per relation: a partition can be written directly), so
    this is what the fence covers. Same columns as migrated_tables."""
    return f"""
  WITH RECURSIVE reach AS ({migrated_tables(patterns)}
    UNION
    SELECT c.oid, n.nspname, c.relname, c.relowner
    FROM reach r JOIN pg_inherits i ON i.inhparent = r.oid
    JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relispartition)
  SELECT * FROM reach
"""


_TABLES = migrated_tables("string_to_array(:schemas::text, ',')")


def quoted(table: str) -> str:
    schema, _, name = table.partition(".")
    return f'"{schema}"."{name}"'


def marker_insert(table: str) -> str:
    """The marker row, in a migrated schema, so DMS carries it to the other side after every earlier write."""
    return f"INSERT INTO {quoted(table)} (token, side) VALUES (:token, :side) RETURNING at"


def marker_seen(table: str) -> str:
    """The marker row by its token, on either side (the table is the stack's `control_table`, schema.table)."""
    return f"SELECT at::text AS at FROM {quoted(table)} WHERE token = :token"


def control_table_ddl(table: str) -> str:
    """What docs/runbook.md has the operator create on on-prem before the full load (DMS copies it to Aurora)."""
    return (f"CREATE TABLE {quoted(table)} (token text PRIMARY KEY, side text NOT NULL, "
            "at timestamptz NOT NULL DEFAULT clock_timestamp());")


# The Data API answers at most 1 MiB per call and 64 KB per row: every statement here answers a bounded
# number of rows of bounded size, whatever the schema (names are at most 63 bytes, so a sample of 20 is
# under 3 KB); the full lists are read in pages of PAGE_ROWS.
SAMPLE = 20
PAGE_ROWS = 500

_KEYED = """
keyed AS (
  SELECT DISTINCT i.indrelid
  FROM pg_index i
  WHERE i.indisprimary
     OR (i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
         AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey) AS k(attnum)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                         WHERE NOT a.attnotnull))
),
without_key AS (
  SELECT format('%I.%I', nspname, relname) AS table_name FROM tables WHERE oid NOT IN (SELECT indrelid FROM keyed)
)"""

DATA_GATES = f"""
WITH tables AS ({_TABLES}),
{_KEYED},
exceptions AS (SELECT to_regclass('awsdms_apply_exceptions') AS tbl)
SELECT
  (SELECT count(*) FROM tables) AS tables,
  (SELECT count(*) FROM without_key) AS without_key_count,
  (SELECT coalesce(string_agg(table_name, ', ' ORDER BY table_name), '')
     FROM (SELECT table_name FROM without_key ORDER BY table_name LIMIT {SAMPLE}) sample) AS without_key,
  EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'awsdms_loopback') AS loopback_schema,
  (SELECT CASE WHEN tbl IS NULL THEN 0 ELSE
     (xpath('/row/c/text()', query_to_xml(
        format('SELECT count(*) AS c FROM %s WHERE "ERROR_TIME" > %L::timestamptz', tbl, :since::text),
        false, true, '')))[1]::text::bigint END
   FROM exceptions) AS apply_exceptions
"""

# The tables without a key after :after (a table name as listed), PAGE_ROWS at a time.
WITHOUT_KEY_PAGE = f"""
WITH tables AS ({_TABLES}),
{_KEYED}
SELECT table_name FROM without_key WHERE table_name > :after::text ORDER BY table_name LIMIT {PAGE_ROWS}
"""

# Every sequence a migrated table uses: owned by a column (serial, bigserial: deptype 'a'), behind an
# identity column (deptype 'i'), or named by a column default's nextval() without ownership (deptype
# 'n' from pg_attrdef). Each is set past the largest value of every column using it, plus :gap, never
# backwards; if any would pass its maximum (or descends), none is set and the refusal names it.
_USED = f"""
tables AS ({_TABLES}),
used AS MATERIALIZED (
  SELECT d.objid AS seq, d.refobjid AS tbl, d.refobjsubid AS col
  FROM pg_depend d
  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  UNION
  SELECT d.refobjid, ad.adrelid, ad.adnum
  FROM pg_attrdef ad
  JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
),
columns AS (
  -- Each sequence looked up by its oid (LATERAL: one index probe per dependency, whatever the catalog's
  -- statistics say: with stale ones a planner-chosen join over thousands of sequences is quadratic).
  SELECT u.seq, u.tbl, t.nspname, t.relname, a.attname, q.sequence_name
  FROM used u
  JOIN tables t ON t.oid = u.tbl
  CROSS JOIN LATERAL (SELECT format('%I.%I', sn.nspname, s.relname) AS sequence_name
                      FROM pg_class s JOIN pg_namespace sn ON sn.oid = s.relnamespace
                      WHERE s.oid = u.seq AND s.relkind = 'S') q
  JOIN pg_attribute a ON a.attrelid = u.tbl AND a.attnum = u.col AND NOT a.attisdropped
)"""


_NO_FLOORS_SQL = "'{}'::jsonb"


def _planned(columns: str, floors: str = "CAST(:floors AS jsonb)") -> str:
    """The plan of every sequence in `columns`: its columns' maximum, the value it needs, and a refusal.

    Every column's maximum comes from one dynamic query (a UNION ALL of max() per column, run once through
    query_to_xml and read back with XMLTABLE): one portal per page instead of one per column."""
    return f"""
probe AS (
  SELECT coalesce(string_agg(format('SELECT %L::text AS k, max(%I)::text AS m FROM %I.%I',
                                    tbl || '/' || attname, attname, nspname, relname), ' UNION ALL '),
                  'SELECT NULL::text AS k, NULL::text AS m WHERE false') AS query
  FROM (SELECT DISTINCT tbl, nspname, relname, attname FROM {columns}) c
),
measured AS (
  SELECT x.k, x.m FROM probe,
    XMLTABLE('/table/row' PASSING query_to_xml(probe.query, false, false, '')
             COLUMNS k text PATH 'k', m text PATH 'm') AS x
),
maxima AS (
  SELECT c.seq, c.sequence_name, max(x.m::numeric) AS column_max,
         max(({floors} ->> c.sequence_name)::numeric) AS floor,
         string_agg(format('%I.%I.%I', c.nspname, c.relname, c.attname), ', '
                    ORDER BY c.nspname, c.relname, c.attname) AS used_by
  FROM {columns} c LEFT JOIN measured x ON x.k = c.tbl || '/' || c.attname
  GROUP BY c.seq, c.sequence_name
),
judged AS (
  SELECT m.seq, m.sequence_name, m.used_by,
         pg_sequence_last_value(m.seq::regclass) AS last_value, ps.seqstart, ps.seqmax, ps.seqincrement,
         m.column_max, m.floor,
         greatest(coalesce(m.column_max, ps.seqstart - 1), m.floor) + :gap::bigint AS target
  FROM maxima m
  JOIN pg_sequence ps ON ps.seqrelid = m.seq
),
planned AS (
  SELECT j.*, greatest(coalesce(j.last_value, j.seqstart - 1), j.target) AS new_value,
         greatest(coalesce(j.last_value, j.seqstart - 1), j.target) - coalesce(j.last_value, j.seqstart - 1) AS jump,
         CASE WHEN j.seqincrement < 0 THEN 'descending sequence: not supported'
              WHEN j.target > j.seqmax THEN format('needs %s, above its maximum %s', j.target, j.seqmax)
         END AS refusal
  FROM judged j
)"""


# The sync reads max() of every column a sequence feeds, before the write pause. A column no valid index leads
# with is read by a full scan: these name them with the table's size (from the catalog: no lock, no scan) and
# the scan's time at SCAN_MIB_PER_SECOND, so a slow sync is known at the dry run, not found at the flip.
SCAN_MIB_PER_SECOND = 200
SEQUENCE_SCANS = f"""
WITH {_USED},
unindexed AS (
  SELECT DISTINCT c.tbl, format('%I.%I.%I', c.nspname, c.relname, c.attname) AS name,
         k.relpages::numeric * current_setting('block_size')::int AS bytes
  FROM columns c
  JOIN pg_attribute a ON a.attrelid = c.tbl AND a.attname = c.attname
  JOIN pg_class k ON k.oid = c.tbl
  WHERE NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.tbl AND i.indisvalid AND i.indpred IS NULL
                      AND i.indkey[0] = a.attnum)
)
SELECT count(*) AS columns,
       round(coalesce(sum(bytes), 0) / (1024 * 1024 * {SCAN_MIB_PER_SECOND}), 1)::text AS scan_seconds,
       (SELECT coalesce(string_agg(format('%s (%s MiB, %s s)', name, round(bytes / 1048576),
                                          round(bytes / (1024 * 1024 * {SCAN_MIB_PER_SECOND}), 1)), ', '
                                   ORDER BY bytes DESC, name), '')
        FROM (SELECT * FROM unindexed ORDER BY bytes DESC, name LIMIT {SAMPLE}) x) AS sample
FROM unindexed
"""

# One statement that plans and applies everything, answered as one summary row: how many sequences, how many
# move, every refusal counted and the first SAMPLE named, the SAMPLE largest jumps. It is drain mode's
# statement for on-prem's psql after a rollback; it holds a lock on every migrated table until it ends, so it
# suits schemas within the server's lock table. The controller and the fence sync in pages instead
# (shared.sequences). All or nothing: the verdict covers every sequence before any setval runs.
SEQUENCES = f"""
WITH {_USED},
{_planned("columns", floors=_NO_FLOORS_SQL)},
verdict AS (SELECT NOT EXISTS (SELECT 1 FROM planned WHERE refusal IS NOT NULL) AS allowed),
applied AS (
  SELECT count(setval(p.seq::regclass, p.new_value::bigint, true)) AS n
  FROM planned p CROSS JOIN verdict v
  WHERE :apply::boolean AND v.allowed AND p.jump > 0
)
SELECT (SELECT count(*) FROM planned) AS sequences,
       (SELECT count(*) FROM planned WHERE jump > 0) AS to_move,
       (SELECT count(*) FROM planned WHERE refusal IS NOT NULL) AS refused,
       (SELECT coalesce(json_agg(json_build_array(sequence_name, refusal) ORDER BY sequence_name), '[]')::text
          FROM (SELECT sequence_name, refusal FROM planned WHERE refusal IS NOT NULL
                ORDER BY sequence_name LIMIT {SAMPLE}) r) AS refusals,
       (SELECT coalesce(json_agg(json_build_array(sequence_name, last_value::text, column_max::text,
                                                  new_value::text) ORDER BY jump DESC, sequence_name), '[]')::text
          FROM (SELECT * FROM planned WHERE refusal IS NULL ORDER BY jump DESC, sequence_name
                LIMIT {SAMPLE}) j) AS largest,
       (SELECT n FROM applied) AS moved
"""

# What the other database has issued, by sequence (:floors, a JSON object of name to last value): a sequence is
# set past its columns' maximum and past its floor, so ids the other side handed out are never handed out again
# even when their rows have not arrived (a forced rollback). '{}' when there is none.
NO_FLOORS = "{}"

# Each migrated sequence's last value on this database (None: never used, not readable, or not migrated), for the
# PAGE_ROWS sequences of the database after :after (the previous page's last `cursor`, an oid). The page is walked
# on pg_sequence's own index and only then named, so a page costs the same at 20,000 tables as at 1,000 (walking
# pg_class instead scans every relation once per page), and a statement opens only its own page's sequences. It
# runs inside the write pause: on the side that stopped, after its close.
SEQUENCE_POSITIONS_PAGE = f"""
WITH page AS MATERIALIZED (
  SELECT seqrelid FROM pg_sequence WHERE seqrelid > CAST(:after AS oid) ORDER BY seqrelid LIMIT {PAGE_ROWS}
),
named AS (
  SELECT p.seqrelid, format('%I.%I', n.nspname, s.relname) AS sequence_name,
         n.nspname LIKE ANY (string_to_array(:schemas::text, ',')) AS migrated
  FROM page p JOIN pg_class s ON s.oid = p.seqrelid JOIN pg_namespace n ON n.oid = s.relnamespace
)
SELECT seqrelid::text AS cursor, CASE WHEN migrated THEN sequence_name END AS sequence_name,
       CASE WHEN migrated AND has_sequence_privilege(seqrelid, 'SELECT, USAGE')
            THEN pg_sequence_last_value(seqrelid)::text END AS last_value
FROM named ORDER BY seqrelid
"""

# The same positions by oid alone, for a session that has just read them named (SEQUENCE_POSITIONS_PAGE): inside the
# write pause no name is built, no catalog but pg_sequence is read, and a page comes back as one row (`positions`:
# oid:value pairs, never-used or unreadable ones left out), so the client parses one string, not a row per sequence
# (a fifth of the time at 20,000 sequences). The caller names them from its earlier read, and asks SEQUENCE_NAMES
# for any oid that read did not see.
SEQUENCE_VALUES_PAGE = f"""
WITH page AS MATERIALIZED (
  SELECT seqrelid FROM pg_sequence WHERE seqrelid > CAST(:after AS oid) ORDER BY seqrelid LIMIT {PAGE_ROWS}
),
valued AS (
  SELECT seqrelid, CASE WHEN has_sequence_privilege(seqrelid, 'SELECT, USAGE')
                        THEN pg_sequence_last_value(seqrelid)::text END AS last_value
  FROM page
)
SELECT (SELECT max(seqrelid) FROM page)::text AS cursor, (SELECT count(*) FROM page) AS sequences,
       (SELECT coalesce(string_agg(seqrelid::text || ':' || last_value, ','), '') FROM valued
         WHERE last_value IS NOT NULL) AS positions
"""
SEQUENCE_NAMES = """
SELECT s.oid::text AS cursor,
       CASE WHEN n.nspname LIKE ANY (string_to_array(:schemas::text, ',')) THEN format('%I.%I', n.nspname, s.relname)
       END AS sequence_name
FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
WHERE s.oid = ANY (CAST(:oids AS oid[])) AND s.relkind = 'S'
"""

# Inside the write pause: the few sequences whose pre-synced value the other side's final position has reached
# (:plan, a JSON array of [name, value], at most APPLY_ROWS), set to their value when :apply; if any would pass its
# maximum, none is set and the answer names them. Cost: one catalog lookup per sequence in :plan, whatever the
# number of tables.
SEQUENCE_CATCH_UP = f"""
WITH wanted AS (
  SELECT e->>0 AS sequence_name, (e->>1)::numeric AS value FROM json_array_elements(:plan::json) AS e
),
judged AS (
  SELECT w.sequence_name, w.value, ps.seqmax, pg_sequence_last_value(ps.seqrelid) AS last_value
  FROM wanted w JOIN pg_sequence ps ON ps.seqrelid = to_regclass(w.sequence_name)
),
verdict AS (SELECT NOT EXISTS (SELECT 1 FROM judged WHERE value > seqmax) AS allowed)
SELECT (SELECT count(*) FROM judged WHERE value > seqmax) AS refused,
       (SELECT coalesce(string_agg(format('%s needs %s, above its maximum %s', sequence_name, value, seqmax), ', '), '')
          FROM (SELECT * FROM judged WHERE value > seqmax ORDER BY sequence_name LIMIT {SAMPLE}) r) AS refusals,
       (SELECT count(setval(to_regclass(j.sequence_name), j.value::bigint, true)) FROM judged j, verdict v
         WHERE :apply::boolean AND v.allowed AND j.value > coalesce(j.last_value, 0)) AS moved
"""

# The plan of the sequences after :after (a sequence name as listed), read-only, PAGE_ROWS sequences of the
# database at a time: a page scans the sequence catalog, then measures only its own sequences' columns, so a
# page costs the same at 20,000 tables as at 1,000. Sequences no migrated column uses come back with a null
# used_by (the caller skips them); the last row's name is the next page's :after.
SEQUENCE_PAGE = f"""
WITH tables AS ({_TABLES}),
page AS MATERIALIZED (
  SELECT s.oid AS seq, format('%I.%I', sn.nspname, s.relname) AS sequence_name
  FROM pg_class s JOIN pg_namespace sn ON sn.oid = s.relnamespace
  WHERE s.relkind = 'S' AND format('%I.%I', sn.nspname, s.relname) > :after::text
  ORDER BY 2 LIMIT {PAGE_ROWS}
),
used AS (
  SELECT d.objid AS seq, d.refobjid AS tbl, d.refobjsubid AS col
  FROM page p JOIN pg_depend d ON d.objid = p.seq
  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  UNION
  SELECT d.refobjid, ad.adrelid, ad.adnum
  FROM page p
  JOIN pg_depend d ON d.refobjid = p.seq AND d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
  JOIN pg_attrdef ad ON ad.oid = d.objid
),
scoped AS (
  SELECT u.seq, u.tbl, t.nspname, t.relname, a.attname, p.sequence_name
  FROM used u
  JOIN page p ON p.seq = u.seq
  JOIN tables t ON t.oid = u.tbl
  JOIN pg_attribute a ON a.attrelid = u.tbl AND a.attnum = u.col AND NOT a.attisdropped
),
{_planned("scoped")}
SELECT p.sequence_name, pl.used_by, pl.last_value::text AS last_value, pl.column_max::text AS column_max,
       pl.new_value::text AS new_value, pl.refusal
FROM page p LEFT JOIN planned pl ON pl.seq = p.seq ORDER BY p.sequence_name
"""

# The apply step of a paged sync: the planned values of up to APPLY_ROWS sequences (a JSON array of [name,
# value]), each set only if it moves the sequence forward. The values were checked against every sequence's
# maximum before the first page was applied, so no page can refuse: all or nothing holds across pages.
APPLY_ROWS = 250
SEQUENCE_APPLY = """
SELECT count(setval(to_regclass(e->>0), (e->>1)::bigint, true)) AS moved
FROM json_array_elements(:plan::json) AS e
WHERE (e->>1)::numeric > coalesce(pg_sequence_last_value(to_regclass(e->>0)),
                                  (SELECT seqstart - 1 FROM pg_sequence WHERE seqrelid = to_regclass(e->>0)))
"""


def inline(statement: str, **parameters: object) -> str:
    """`statement` with its named parameters written as SQL literals, for an operator's psql session."""
    import re

    def literal(match: re.Match) -> str:
        value = parameters[match.group(1)]
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    return re.sub(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)", literal, statement).strip() + ";"


def _fence_record(table: str, *columns: str) -> str:
    """The rows of one of the fence's record tables, or none where its setup is not installed yet (a read never
    installs it): read through query_to_xml, so the statement parses either way."""
    found = ", ".join(columns)
    none = ", ".join(f"NULL::text AS {c}" for c in columns)
    read = ", ".join(f"{c} text PATH '{c}'" for c in columns)
    return f"""XMLTABLE('/table/row' PASSING query_to_xml(
    CASE WHEN to_regclass('{FENCE_SCHEMA}.{table}') IS NULL THEN 'SELECT {none} WHERE false'
         ELSE 'SELECT {found} FROM {FENCE_SCHEMA}.{table}' END, false, false, '') COLUMNS {read})"""


# Parity: every object the application relies on, described the same way on both sides, so two descriptions are
# equal exactly when the application sees the same thing. One row per (kind, name), its definition in lines (the
# first differing line is what an operator is shown). Kinds: the schema (extension, table with its columns, types,
# defaults, nullability, primary keys and unique constraints, sequence with its owner, view, function, trigger)
# and the access (each application role: whether it exists, can log in and connect; and per migrated table and
# sequence, the privileges it holds). Access is as it will be once the fence is lifted: the fence's record of
# what it took (cutover_fence.revoked, connect_revoked) counts as held. :roles are the application roles,
# comma-separated. Filters on kind and name are pushed into each branch, so a definition is built only for the
# rows asked for. A default is deparsed without its table (no lock: DDL in progress does not block it); a generated
# column's expression needs the table, and the statement's lock_timeout bounds that wait.

SCHEMA_KINDS = ("extension", "table", "sequence", "view", "function", "trigger")
ACCESS_KINDS = ("role", "privileges")
PARITY_BUCKETS = 256  # the answer of PARITY_SUMMARY: at most this many rows whatever the number of objects
_PARITY_OBJECTS = f"""
WITH migrated AS MATERIALIZED ({writable_relations("string_to_array(:schemas::text, ',')")}),
schemas AS MATERIALIZED (
  SELECT n.oid, n.nspname FROM pg_namespace n
  WHERE n.nspname LIKE ANY (string_to_array(:schemas::text, ',')) AND n.nspname <> '{FENCE_SCHEMA}'),
app AS MATERIALIZED (SELECT r.oid, r.rolname FROM pg_roles r WHERE r.rolname = ANY (string_to_array(:roles::text, ','))),
taken AS MATERIALIZED (  -- per application role and table, the privileges the fence took that it will give back
  SELECT a.oid AS role, v.schema_name, v.table_name, array_agg(DISTINCT v.privilege) AS privileges
  FROM {_fence_record("revoked", "schema_name", "table_name", "privilege", "role_name")} v
  LEFT JOIN pg_roles g ON g.rolname = v.role_name
  JOIN app a ON v.role_name = 'PUBLIC' OR pg_has_role(a.oid, g.oid, 'USAGE')
  GROUP BY 1, 2, 3),
objects AS (
  SELECT 'extension' AS kind, e.extname::text AS name, 'version ' || e.extversion AS definition FROM pg_extension e
  UNION ALL
  SELECT 'table', format('%I.%I', m.nspname, m.relname), concat_ws(E'\n',
    CASE c.relkind WHEN 'p' THEN 'partitioned' END, CASE c.relpersistence WHEN 'u' THEN 'unlogged' END,
    (SELECT string_agg(format('column %I %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                              CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                              coalesce(CASE WHEN a.attgenerated = '' THEN ' default ' || pg_get_expr(d.adbin, 0)
                                            ELSE ' generated ' || pg_get_expr(d.adbin, d.adrelid) END, '')),
                       E'\n' ORDER BY a.attname)
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = m.oid AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(lower(pg_get_constraintdef(k.oid)), E'\n' ORDER BY 1)
     FROM pg_constraint k WHERE k.conrelid = m.oid AND k.contype IN ('p', 'u')))
  FROM migrated m JOIN pg_class c ON c.oid = m.oid
  UNION ALL
  SELECT 'sequence', format('%I.%I', n.nspname, c.relname), concat_ws(E'\n',
    format('%s increment %s from %s to %s%s', format_type(q.seqtypid, NULL), q.seqincrement, q.seqmin, q.seqmax,
           CASE WHEN q.seqcycle THEN ' cycle' ELSE '' END),
    (SELECT format('owned by %I.%I.%I', tn.nspname, tc.relname, ta.attname)
     FROM pg_depend dp JOIN pg_class tc ON tc.oid = dp.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
     JOIN pg_attribute ta ON ta.attrelid = dp.refobjid AND ta.attnum = dp.refobjsubid
     WHERE dp.classid = 'pg_class'::regclass AND dp.objid = c.oid AND dp.refclassid = 'pg_class'::regclass
       AND dp.deptype IN ('a', 'i') LIMIT 1))
  FROM pg_sequence q JOIN pg_class c ON c.oid = q.seqrelid JOIN schemas n ON n.oid = c.relnamespace
  UNION ALL
  SELECT 'view', format('%I.%I', n.nspname, c.relname),
         CASE c.relkind WHEN 'm' THEN 'materialized ' ELSE '' END
         || trim(regexp_replace(pg_get_viewdef(c.oid), '\\s+', ' ', 'g'))
  FROM pg_class c JOIN schemas n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'function', format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
         concat_ws(E'\n', 'returns ' || coalesce(pg_get_function_result(p.oid), 'nothing'), 'language ' || l.lanname,
                   CASE WHEN p.prosecdef THEN 'security definer' END, 'body ' || md5(coalesce(p.prosrc, '')))
  FROM pg_proc p JOIN schemas n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
  WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
                    AND e.deptype = 'e')
  UNION ALL
  SELECT 'trigger', format('%I on %I.%I', t.tgname, m.nspname, m.relname), pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN migrated m ON m.oid = t.tgrelid WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'role', a.rolname::text, concat_ws(E'\n', 'login ' || r.rolcanlogin,
    'connect ' || (has_database_privilege(a.oid, current_database(), 'CONNECT') OR EXISTS (
                     SELECT 1 FROM {_fence_record("connect_revoked", "role_name")} v
                     LEFT JOIN pg_roles g ON g.rolname = v.role_name
                     WHERE v.role_name = 'PUBLIC' OR pg_has_role(a.oid, g.oid, 'USAGE'))))
  FROM app a JOIN pg_roles r ON r.oid = a.oid
  UNION ALL
  SELECT 'privileges', format('%I on %I.%I', a.rolname, m.nspname, m.relname), coalesce(array_to_string(ARRAY(
    SELECT w FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) w
    WHERE has_table_privilege(a.oid, m.oid, w) OR w = ANY (v.privileges)), ' '), '')
  FROM app a CROSS JOIN migrated m
  LEFT JOIN taken v ON v.role = a.oid AND v.schema_name = m.nspname AND v.table_name = m.relname
  UNION ALL
  SELECT 'privileges', format('%I on sequence %I.%I', a.rolname, n.nspname, c.relname), array_to_string(ARRAY(
    SELECT w FROM unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) w WHERE has_sequence_privilege(a.oid, c.oid, w)), ' ')
  FROM app a CROSS JOIN pg_class c JOIN schemas n ON n.oid = c.relnamespace WHERE c.relkind = 'S'
)"""
_BUCKET = f"get_byte(decode(md5(kind || ' ' || name), 'hex'), 0) % {PARITY_BUCKETS}"

# Per kind (objects and one digest) and per bucket of names (a digest): two sides with equal digests hold the same
# objects; the buckets whose digests differ are where to look. Bounded: kinds plus PARITY_BUCKETS rows.
PARITY_SUMMARY = f"""{_PARITY_OBJECTS}
SELECT kind, {_BUCKET} AS bucket, count(*) AS objects,
       md5(string_agg(kind || ' ' || name || ' ' || md5(definition), E'\n' ORDER BY kind, name)) AS digest
FROM objects GROUP BY GROUPING SETS ((kind), ({_BUCKET})) ORDER BY 1, 2
"""
# The objects of the buckets asked for (:buckets, comma-separated), by name and digest.
PARITY_BUCKET_OBJECTS = f"""{_PARITY_OBJECTS}
SELECT kind, name, md5(definition) AS digest FROM objects
WHERE {_BUCKET} = ANY (string_to_array(:buckets::text, ',')::int[]) ORDER BY kind, name
"""
# The definitions of the objects asked for (:objects, a JSON array of "kind name").
PARITY_DEFINITIONS = f"""{_PARITY_OBJECTS}
SELECT kind, name, definition FROM objects
WHERE kind || ' ' || name = ANY (ARRAY(SELECT json_array_elements_text(:objects::json))) ORDER BY kind, name
"""

# The statements the fence function runs by name for the controller (which drives a paged sync through it).
BY_NAME = {"sequence_page": SEQUENCE_PAGE, "sequence_apply": SEQUENCE_APPLY,
           "sequence_positions_page": SEQUENCE_POSITIONS_PAGE, "sequence_catch_up": SEQUENCE_CATCH_UP,
           "parity_summary": PARITY_SUMMARY, "parity_bucket_objects": PARITY_BUCKET_OBJECTS,
           "parity_definitions": PARITY_DEFINITIONS}
