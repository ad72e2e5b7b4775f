"""The SQL the controller runs on Aurora through the RDS Data API, each a single statement.

A Data API call is one statement in its own transaction, so each question is one statement whatever
the number of tables or sequences: dynamic per-table queries run inside it through query_to_xml. The
migrated schemas arrive as LIKE patterns (DMS's % wildcard; a literal _ escaped).

Parameters (Data API named parameters, cast in the statement so no type is left to inference):
:schemas (comma-separated patterns), :since (ISO 8601), :gap (bigint), :apply (boolean).
"""

from __future__ import annotations

# The tables DMS migrates: ordinary and partitioned tables (not their partitions) of the migrated schemas.
_TABLES = """
  SELECT c.oid, n.nspname, c.relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND n.nspname LIKE ANY (string_to_array(:schemas::text, ','))
    AND c.relname NOT LIKE 'awsdms\\_%'
"""

DATA_GATES = f"""
WITH tables AS ({_TABLES}),
keyed AS (
  SELECT DISTINCT i.indrelid
  FROM pg_index i
  WHERE i.indisprimary
     OR (i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
         AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey) AS k(attnum)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                         WHERE NOT a.attnotnull))
),
exceptions AS (SELECT to_regclass('awsdms_apply_exceptions') AS tbl)
SELECT
  (SELECT count(*) FROM tables) AS tables,
  (SELECT coalesce(string_agg(format('%I.%I', nspname, relname), ', ' ORDER BY nspname, relname), '')
     FROM tables WHERE oid NOT IN (SELECT indrelid FROM keyed)) AS without_key,
  EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'awsdms_loopback') AS loopback_schema,
  (SELECT CASE WHEN tbl IS NULL THEN 0 ELSE
     (xpath('/row/c/text()', query_to_xml(
        format('SELECT count(*) AS c FROM %s WHERE "ERROR_TIME" > %L::timestamptz', tbl, :since::text),
        false, true, '')))[1]::text::bigint END
   FROM exceptions) AS apply_exceptions
"""

# Every sequence a migrated table uses: owned by a column (serial, bigserial: deptype 'a'), behind an
# identity column (deptype 'i'), or named by a column default's nextval() without ownership (deptype
# 'n' from pg_attrdef). Each is set past the largest value of every column using it, plus :gap, never
# backwards; if any would pass its maximum (or descends), none is set and the refusal names it.
SEQUENCES = f"""
WITH tables AS ({_TABLES}),
used AS (
  SELECT d.objid AS seq, d.refobjid AS tbl, d.refobjsubid AS col
  FROM pg_depend d
  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  UNION
  SELECT d.refobjid, ad.adrelid, ad.adnum
  FROM pg_attrdef ad
  JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
  JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
),
columns AS (
  SELECT u.seq, t.nspname, t.relname, a.attname
  FROM used u
  JOIN tables t ON t.oid = u.tbl
  JOIN pg_attribute a ON a.attrelid = u.tbl AND a.attnum = u.col AND NOT a.attisdropped
  JOIN pg_class s ON s.oid = u.seq AND s.relkind = 'S'
),
maxima AS (
  SELECT seq,
         max((xpath('/row/m/text()', query_to_xml(
               format('SELECT max(%I)::text AS m FROM %I.%I', attname, nspname, relname),
               false, true, '')))[1]::text::numeric) AS column_max,
         string_agg(format('%I.%I.%I', nspname, relname, attname), ', ' ORDER BY nspname, relname, attname)
           AS used_by
  FROM columns GROUP BY seq
),
judged AS (
  SELECT m.seq, format('%I.%I', sn.nspname, s.relname) AS sequence_name, m.used_by,
         pg_sequence_last_value(m.seq::regclass) AS last_value, ps.seqstart, ps.seqmax, ps.seqincrement,
         m.column_max, coalesce(m.column_max, ps.seqstart - 1) + :gap::bigint AS target
  FROM maxima m
  JOIN pg_class s ON s.oid = m.seq
  JOIN pg_namespace sn ON sn.oid = s.relnamespace
  JOIN pg_sequence ps ON ps.seqrelid = m.seq
),
planned AS (
  SELECT j.*, greatest(coalesce(j.last_value, j.seqstart - 1), j.target) AS new_value,
         CASE WHEN j.seqincrement < 0 THEN 'descending sequence: not supported'
              WHEN j.target > j.seqmax THEN format('needs %s, above its maximum %s', j.target, j.seqmax)
         END AS refusal
  FROM judged j
),
verdict AS (SELECT NOT EXISTS (SELECT 1 FROM planned WHERE refusal IS NOT NULL) AS allowed)
SELECT p.sequence_name, p.used_by, p.last_value::text AS last_value, p.column_max::text AS column_max,
       p.new_value::text AS new_value, p.refusal,
       CASE WHEN :apply::boolean AND v.allowed AND p.new_value > coalesce(p.last_value, p.seqstart - 1)
            THEN setval(p.seq::regclass, p.new_value::bigint, true)::text END AS set_to
FROM planned p CROSS JOIN verdict v
ORDER BY p.sequence_name
"""


def onprem_statement(sequence_name: str, value: str) -> str:
    """What the operator runs on on-prem after a rollback: past every id Aurora issued, never backwards."""
    literal = sequence_name.replace("'", "''")
    return f"SELECT setval('{literal}', greatest({int(value)}, (SELECT last_value FROM {sequence_name})));"


def marker_seen(table: str) -> str:
    """The fence's marker row, by its token (the table is the stack's `control_table`, schema.table)."""
    schema, _, name = table.partition(".")
    return f'SELECT 1 AS seen FROM "{schema}"."{name}" WHERE token = :token'
