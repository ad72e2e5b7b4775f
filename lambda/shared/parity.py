"""Whether Aurora will serve the application as on-prem does: both sides' schema and access compared, with bounded
answers whatever the number of tables.

Each side answers a summary (a digest per kind and per bucket of names: at most a few hundred rows); only the
buckets whose digests differ are listed by name (the first `max_buckets`), and only the first `max_named`
differing objects are read whole, to name the first line that differs. `query(side, statement_name, **params)`
runs one of shared.sql.BY_NAME on a side (through the fence function, which reaches both catalogs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import NamedTuple

from shared import sql

Query = Callable[..., list[dict]]
# Each parity statement's bound on a side (statement_timeout): the controller budgets two of them in a flip
# (cutover.settings.PARITY_CALL_SECONDS); 20,000 tables take about 4 s.
STATEMENT_SECONDS = 30
SIDES = ("onprem", "aurora")


class Difference(NamedTuple):
    kind: str
    name: str
    what: str  # "missing on aurora", "missing on onprem", or the first line that differs on each side

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.what}"


class Parity(NamedTuple):
    """One area (schema or access): whether both sides hold the same, the objects counted on each side per kind,
    how many objects differ among those listed, and the first differences named."""

    area: str
    same: bool
    objects: dict[str, tuple[int, int]]  # kind -> (on-prem, Aurora)
    differences: tuple[Difference, ...]
    unlisted: bool  # more buckets differ than were listed: the count of differences is a lower bound

    def summary(self) -> str:
        counts = " ".join(f"{kind}={a}/{b}" for kind, (a, b) in sorted(self.objects.items()))
        if self.same:
            return f"identical ({counts}; on-prem/Aurora)"
        if not self.differences:
            return f"differs ({counts}; on-prem/Aurora), beyond the first buckets listed"
        more = "+" if self.unlisted else ""
        named = "; ".join(str(d) for d in self.differences)
        return f"{len(self.differences)}{more} difference(s) ({counts}; on-prem/Aurora): {named}"


def compare(query: Query, schemas: str | None = None, roles: str | None = None, *, max_buckets: int = 8,
            max_named: int = 10) -> dict[str, Parity]:
    """Both areas compared, each named by what it holds: "schema" (sql.SCHEMA_KINDS) and "access" (sql.ACCESS_KINDS).
    Without `schemas` or `roles` the side's runner supplies its own (the fence function, its deployed scope)."""
    params = {k: v for k, v in (("schemas", schemas), ("roles", roles)) if v is not None}
    summaries = {side: query(side, "parity_summary", **params) for side in SIDES}
    kinds = {side: {r["kind"]: (int(r["objects"]), r["digest"]) for r in rows if r["kind"] is not None}
             for side, rows in summaries.items()}
    buckets = {side: {int(r["bucket"]): r["digest"] for r in rows if r["kind"] is None}
               for side, rows in summaries.items()}
    differing = sorted(b for b in set(buckets["onprem"]) | set(buckets["aurora"])
                       if buckets["onprem"].get(b) != buckets["aurora"].get(b))
    listed = differing[:max_buckets]
    found: list[Difference] = []
    if listed:
        ask = {**params, "buckets": ",".join(map(str, listed))}
        digests = {side: {(r["kind"], r["name"]): r["digest"] for r in query(side, "parity_bucket_objects", **ask)}
                   for side in SIDES}
        found = _differences(query, params, digests, max_named)
    areas = {"schema": sql.SCHEMA_KINDS, "access": sql.ACCESS_KINDS}
    result = {}
    for area, area_kinds in areas.items():
        objects = {k: (kinds["onprem"].get(k, (0, ""))[0], kinds["aurora"].get(k, (0, ""))[0]) for k in area_kinds}
        same = all(kinds["onprem"].get(k) == kinds["aurora"].get(k) for k in area_kinds)
        named = tuple(d for d in found if d.kind in area_kinds)
        result[area] = Parity(area, same, objects, named[:max_named] if not same else (),
                              unlisted=not same and len(differing) > len(listed))
    return result


def _differences(query: Query, params: dict, digests: dict[str, dict], max_named: int) -> list[Difference]:
    """The differing objects of the listed buckets, in order of kind (roles and extensions first: one of them
    explains many others) then name; the first `max_named` of each area read whole to say what differs."""
    order = {kind: n for n, kind in enumerate((*sql.ACCESS_KINDS[:1], *sql.SCHEMA_KINDS, *sql.ACCESS_KINDS[1:]))}
    onprem, aurora = digests["onprem"], digests["aurora"]
    keys = sorted((k for k in set(onprem) | set(aurora) if onprem.get(k) != aurora.get(k)),
                  key=lambda k: (order.get(k[0], len(order)), k[1]))
    first: dict[str, list[tuple[str, str]]] = {}
    for key in keys:
        area = "access" if key[0] in sql.ACCESS_KINDS else "schema"
        first.setdefault(area, [])
        if len(first[area]) < max_named:
            first[area].append(key)
    wanted = [k for ks in first.values() for k in ks]
    changed = [k for k in wanted if k in onprem and k in aurora]
    definitions: dict[str, dict] = {side: {} for side in SIDES}
    if changed:
        ask = {**params, "objects": json.dumps([f"{kind} {name}" for kind, name in changed])}
        for side in SIDES:
            definitions[side] = {(r["kind"], r["name"]): r["definition"] or ""
                                 for r in query(side, "parity_definitions", **ask)}
    out = []
    for key in wanted:
        if key not in aurora:
            what = "missing on aurora"
        elif key not in onprem:
            what = "missing on onprem (only on aurora)"
        else:
            what = first_difference(definitions["onprem"].get(key, ""), definitions["aurora"].get(key, ""))
        out.append(Difference(key[0], key[1], what))
    return out


def first_difference(onprem: str, aurora: str) -> str:
    """The first line of one definition the other lacks, as an operator would say it."""
    left, right = onprem.split("\n"), aurora.split("\n")
    only_left = [line for line in left if line not in right]
    only_right = [line for line in right if line not in left]
    if only_left and only_right:
        return f"'{only_left[0]}' on onprem, '{only_right[0]}' on aurora"
    if only_left:
        return f"'{only_left[0]}' on onprem only"
    if only_right:
        return f"'{only_right[0]}' on aurora only"
    return "defined in another order"
