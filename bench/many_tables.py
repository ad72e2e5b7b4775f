"""Benchmark: the flip's Data API traffic for schemas of 1,000, 5,000 and 20,000 tables (one bigserial each,
a schema per 100 tables), on the test suite's throwaway PostgreSQL behind the Data API's request shape.
Prints, per size, each statement kind's largest answer and longest time, and how many calls the flip makes;
asserts nothing.

    .venv/bin/python bench/many_tables.py [--sizes 1000,5000,20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda")]

CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:aurora-bench"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-bench-AbCdEf"
GAP = 1_000_000


def kind(statement: str) -> str:
    from shared import sql

    for name in ("DATA_GATES", "SEQUENCE_PAGE", "SEQUENCE_APPLY", "WITHOUT_KEY_PAGE"):
        if statement == getattr(sql, name):
            return name.lower()
    return "marker" if "cutover_marker" in statement else "other"


def measure(size: int) -> None:
    import boto3
    from cutover.gateways.data import DataApiGateway

    from tests.data_api import MAX_RESPONSE_BYTES, DataApiOverPostgres
    from tests.many_tables import create
    from tests.pg import shared

    database = f"bench_tables_{size}"
    dsn = shared().create_database(database)
    started = time.perf_counter()
    patterns = create(dsn, size, without_key=size // 20)
    built = time.perf_counter() - started
    client = boto3.client("rds-data", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    api = DataApiOverPostgres(dsn, resource_arn=CLUSTER, secret_arn=SECRET, database=database)
    api.attach(client)
    data = DataApiGateway(client, cluster_arn=CLUSTER, secret_arn=SECRET, database=database, schemas=tuple(patterns))
    # What the flip does through the Data API: its gates (the data gates, the sequence plan), then the sync.
    started = time.perf_counter()
    data.data_gates(datetime(2026, 1, 1, tzinfo=UTC))
    data.sequences(GAP, apply=False)
    gates_calls = len(api.calls)
    synced = data.sequences(GAP, apply=True)
    flip = time.perf_counter() - started
    by_kind: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for call, answer in zip(api.calls, api.answers, strict=True):
        by_kind[kind(call["sql"])].append(answer)
    largest = max(size for size, _ in api.answers)
    print(f"\n{size:,} tables ({size // 20:,} more without a key; built in {built:.0f} s): "
          f"{len(api.calls)} Data API calls for the flip ({gates_calls} for its gates, {synced.calls} for the sync: "
          f"{synced.moved:,} sequences set), {flip:.1f} s in all; largest answer {largest:,} bytes "
          f"({largest / MAX_RESPONSE_BYTES:.1%} of the 1 MiB limit)")
    print(f"  {'statement':<16} {'calls':>6} {'largest answer':>16} {'longest':>9} {'total':>8}")
    for name, answers in sorted(by_kind.items()):
        print(f"  {name:<16} {len(answers):>6} {max(a for a, _ in answers):>10,} bytes "
              f"{max(t for _, t in answers):>7.2f} s {sum(t for _, t in answers):>6.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        measure(size)


if __name__ == "__main__":
    main()
