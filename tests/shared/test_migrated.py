"""One definition of what is migrated, run over a database that has partitions (one in a schema outside the
patterns), traditional inheritance, quoted names and a schema outside the patterns: the data gates count the
migrated tables, the fence covers every relation a write to them can land in."""

from __future__ import annotations

import psycopg
import pytest
from fence import sql as fence_sql
from shared import sql

SCHEMA = """
CREATE SCHEMA app; CREATE SCHEMA archive; CREATE SCHEMA other;
CREATE TABLE app."Orders" (id bigserial, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE app.orders_2026 PARTITION OF app."Orders" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE archive.orders_2025 PARTITION OF app."Orders" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE app.base (id bigserial PRIMARY KEY);
CREATE TABLE other.child () INHERITS (app.base);
CREATE TABLE app.plain (id bigserial PRIMARY KEY);
CREATE TABLE other.elsewhere (id bigserial PRIMARY KEY);
CREATE TABLE app.awsdms_apply_exceptions (note text);
"""


@pytest.fixture(scope="module")
def database(postgres):
    dsn = postgres.create_database("migrated_definition")
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(SCHEMA)
    return dsn


def names(dsn: str, query: str) -> set[str]:
    with psycopg.connect(dsn) as connection:
        return {row[0] for row in connection.execute(
            f"SELECT format('%I.%I', nspname, relname) FROM ({query}) q").fetchall()}


def test_migrated_tables_are_the_top_level_tables_of_the_selected_schemas(database):
    assert names(database, sql.migrated_tables("ARRAY['app']")) == {'app."Orders"', "app.base", "app.plain"}
    with psycopg.connect(database) as connection:
        gates = connection.execute(sql.DATA_GATES.replace(":schemas::text", "'app'").replace(":since::text",
                                                                                            "'2026-01-01'"))
        assert gates.fetchone()[0] == 3  # the data gates count exactly those


def test_the_fence_covers_every_partition_wherever_it_lives_and_nothing_else(database):
    covered = names(database, sql.writable_relations("ARRAY['app']"))
    assert covered == {'app."Orders"', "app.orders_2026", "archive.orders_2025", "app.base", "app.plain"}
    assert sql.writable_relations("patterns") == fence_sql.MIGRATED  # the fence runs this very definition
