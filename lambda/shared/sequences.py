"""The sequence sync in bounded steps, over any way of running a statement (the Data API, or the fence's
own connection): every answer is at most one page, and no statement holds more than a page's locks.

1. Plan, page by page (read-only): each sequence's columns' maximum, the value it needs, a refusal.
2. Verdict: if any sequence would pass its maximum (or descends), nothing is set and the refusals are named.
3. Apply, page by page: each sequence set to its planned value if that moves it forward.
All or nothing holds across pages because every refusal is known before the first setval, and a planned
value never passes its maximum; setval is not transactional, so one statement would not make it stronger.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import NamedTuple

from shared import sql

Query = Callable[..., list[dict]]


class SequenceRow(NamedTuple):
    name: str
    used_by: str
    last_value: int | None  # None: never used on this database
    column_max: int | None  # None: every column using it is empty
    new_value: int
    refusal: str | None

    @property
    def jump(self) -> int:
        return self.new_value - (self.last_value or 0)


class SequencePlan(NamedTuple):
    """The sync (or its plan) in a bounded answer, whatever the number of sequences."""

    sequences: int
    to_move: int  # sequences below their target
    refused: int
    refusals: tuple[tuple[str, str], ...]  # (sequence, why), the first sql.SAMPLE by name
    largest: tuple[tuple[str, str | None, str | None, str], ...]  # (sequence, before, column max, after)
    moved: int = 0  # sequences setval moved (0 for a plan, or when any was refused)
    calls: int = 0  # statements it took
    values: dict | None = None  # every sequence's value once synced (by name): what a catch-up compares against

    def summary(self) -> dict:
        return {"sequences": self.sequences, "to_move": self.to_move, "moved": self.moved, "refused": self.refused,
                "refusals": [list(r) for r in self.refusals], "largest_jumps": [list(r) for r in self.largest],
                "statements": self.calls}


class SequenceRefusedError(RuntimeError):
    """At least one sequence cannot be moved past its columns' maximum plus the gap; none was set."""


def _int(value) -> int | None:
    return None if value is None else int(value)


def page(query: Query, schemas: str, gap: int, after: str = "",
         floors: dict[str, int] | None = None) -> tuple[list[SequenceRow], str | None]:
    """The plan of the migrated sequences among the next sql.PAGE_ROWS sequences of the database, and where
    the page after it starts (None: this was the last). `floors`: what the other database has issued."""
    ahead = {name: value for name, value in (floors or {}).items() if name > after}
    rows = query(sql.SEQUENCE_PAGE, schemas=schemas, gap=gap, after=after,
                 floors=json.dumps(ahead) if ahead else sql.NO_FLOORS)
    planned = [SequenceRow(r["sequence_name"], r["used_by"], _int(r["last_value"]), _int(r["column_max"]),
                           int(r["new_value"]), r["refusal"]) for r in rows if r["used_by"] is not None]
    return planned, rows[-1]["sequence_name"] if len(rows) == sql.PAGE_ROWS else None


def plan_rows(query: Query, schemas: str, gap: int) -> Iterator[SequenceRow]:
    """Every migrated sequence's plan, page after page."""
    after: str | None = ""
    while after is not None:
        rows, after = page(query, schemas, gap, after)
        yield from rows


class Positions(NamedTuple):
    values: dict[str, int]  # each migrated sequence's last value (never-used ones left out), by name
    names: dict[str, str | None]  # every sequence of the database by oid: its name, None if not migrated


def positions(query: Query, schemas: str) -> dict[str, int]:
    """Every migrated sequence's last value on this database (never-used ones left out), page after page."""
    return read_positions(query, schemas).values


def read_positions(query: Query, schemas: str, names: dict[str, str | None] | None = None) -> Positions:
    """The positions, page after page. Given `names` (this session's earlier read), by oid alone: the sequences are
    named from it, and only oids it did not see (created since) are named by the catalog."""
    if names is None:
        rows: list[dict] = []
        after = "0"
        while True:
            page = query(sql.SEQUENCE_POSITIONS_PAGE, schemas=schemas, after=after)
            rows.extend(page)
            if len(page) < sql.PAGE_ROWS:
                break
            after = page[-1]["cursor"]
        return Positions({r["sequence_name"]: int(r["last_value"]) for r in rows
                          if r["last_value"] is not None and r["sequence_name"] is not None},
                         {r["cursor"]: r["sequence_name"] for r in rows})
    by_oid: dict[str, int] = {}
    after = "0"
    while True:
        page = query(sql.SEQUENCE_VALUES_PAGE, after=after)[0]
        by_oid.update((oid, int(value)) for oid, _, value in
                      (pair.partition(":") for pair in page["positions"].split(",") if pair))
        if int(page["sequences"]) < sql.PAGE_ROWS:
            break
        after = page["cursor"]
    known = dict(names)
    unseen = [oid for oid in by_oid if oid not in known]
    for start in range(0, len(unseen), sql.PAGE_ROWS):
        named = query(sql.SEQUENCE_NAMES, schemas=schemas, oids="{" + ",".join(unseen[start:start + sql.PAGE_ROWS]) + "}")
        known.update((r["cursor"], r["sequence_name"]) for r in named)
    return Positions({known[oid]: value for oid, value in by_oid.items() if known.get(oid) is not None}, known)


def sync(query: Query, schemas: str, gap: int, *, apply: bool, floors: dict[str, int] | None = None) -> SequencePlan:
    """Plan every sequence page by page; with `apply` and no refusal, set them page by page."""
    after: str | None = ""
    calls = count = refused = 0
    moving: list[SequenceRow] = []
    rows_seen: list[SequenceRow] = []
    refusals: list[tuple[str, str]] = []
    while after is not None:
        rows, after = page(query, schemas, gap, after, floors)
        rows_seen.extend(rows)
        calls += 1
        count += len(rows)
        for row in rows:
            if row.refusal:
                refused += 1
                if len(refusals) < sql.SAMPLE:
                    refusals.append((row.name, row.refusal))
            elif row.last_value is None or row.new_value > row.last_value:
                moving.append(row)
    largest = tuple((r.name, None if r.last_value is None else str(r.last_value),
                     None if r.column_max is None else str(r.column_max), str(r.new_value))
                    for r in sorted(moving, key=lambda r: (-r.jump, r.name))[:sql.SAMPLE])
    plan = SequencePlan(count, len(moving), refused, tuple(refusals), largest, 0, calls)
    if not apply:
        return plan
    if refused:
        named = ", ".join(f"{name} ({why})" for name, why in refusals)
        more = f" and {refused - len(refusals)} more" if refused > len(refusals) else ""
        raise SequenceRefusedError(f"no sequence was set: {named}{more}")
    values = {r.name: r.last_value or 0 for r in rows_seen} | {r.name: r.new_value for r in moving}
    moved = 0
    for start in range(0, len(moving), sql.APPLY_ROWS):
        batch = [[r.name, str(r.new_value)] for r in moving[start:start + sql.APPLY_ROWS]]
        moved += int(query(sql.SEQUENCE_APPLY, plan=json.dumps(batch))[0]["moved"])
        calls += 1
    return plan._replace(moved=moved, calls=calls, values=values)


def catch_up(query: Query, positions: dict[str, int], synced: dict[str, int], gap: int) -> dict:
    """Inside the write pause: every sequence whose final position on the side that stopped (`positions`) has
    reached its value on this side (`synced`, set before the pause) is set to that position plus `gap`; none is
    set if any would pass its maximum (all judged before the first is set). A sequence the sync did not set (no
    migrated column uses it, or it was created since) is judged against this side's own value in the statement,
    so it is never left below an id the other side issued; one this side does not have is left alone. A statement
    per sql.APPLY_ROWS sequences, so none holds more than that many locks."""
    plan = [[name, str(position + gap)] for name, position in sorted(positions.items())
            if name not in synced or position >= synced[name]]
    batches = [plan[start:start + sql.APPLY_ROWS] for start in range(0, len(plan), sql.APPLY_ROWS)]
    refusals = []
    for batch in batches:
        row = query(sql.SEQUENCE_CATCH_UP, plan=json.dumps(batch), apply=False)[0]
        if int(row["refused"]):
            refusals.append(row["refusals"])
    if refusals:
        raise SequenceRefusedError(f"no sequence was set: {', '.join(refusals)}")
    moved = sum(int(query(sql.SEQUENCE_CATCH_UP, plan=json.dumps(batch), apply=True)[0]["moved"]) for batch in batches)
    return {"checked": len(positions), "needed": len(plan), "moved": moved, "refused": 0}
