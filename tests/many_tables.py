"""A schema as a multi-tenant payments platform has it: thousands of tables, each owning a bigserial, spread
over schemas of TABLES_PER_SCHEMA, created in batches (one transaction each, so no statement needs more locks
than a batch)."""

from __future__ import annotations

TABLES_PER_SCHEMA = 100
BATCH = 250


def create(dsn: str, tables: int, *, without_key: int = 0, prefix: str = "tenant") -> list[str]:
    """`tables` keyed tables (id bigserial, one row with an id that grows with the table's number) and
    `without_key` tables with no key; returns the LIKE patterns of their schemas."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        for start in range(0, tables, BATCH):
            end = min(start + BATCH, tables)
            connection.execute(f"""DO $$ BEGIN
              FOR i IN {start}..{end - 1} LOOP
                EXECUTE format('CREATE SCHEMA IF NOT EXISTS {prefix}_%s', lpad((i / {TABLES_PER_SCHEMA})::text, 4, '0'));
                EXECUTE format('CREATE TABLE {prefix}_%s.payments_%s (id bigserial PRIMARY KEY, amount numeric)',
                               lpad((i / {TABLES_PER_SCHEMA})::text, 4, '0'), i);
                EXECUTE format('INSERT INTO {prefix}_%s.payments_%s (id, amount) VALUES (%s, 1)',
                               lpad((i / {TABLES_PER_SCHEMA})::text, 4, '0'), i, 1000 + i);
              END LOOP; END $$""")
        for start in range(0, without_key, BATCH):
            end = min(start + BATCH, without_key)
            connection.execute(f"""DO $$ BEGIN
              CREATE SCHEMA IF NOT EXISTS {prefix}_loose;
              FOR i IN {start}..{end - 1} LOOP
                EXECUTE format('CREATE TABLE {prefix}_loose.events_%s (at timestamptz, note text)', i);
              END LOOP; END $$""")
    return [f"{prefix}\\_%"]

