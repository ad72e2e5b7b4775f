"""The fence's operations over one connection per database; the handler supplies the connections.

Sides are named as the controller names them: `onprem` and `aurora`. Every operation is idempotent: fencing a
fenced side revokes nothing more and records nothing twice; lifting an open side grants nothing. The setup
(the fence's functions) is installed once per database and again only when its version changes, never by a dry
run: the dry run reads, in a READ ONLY transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from shared import parity as shared_parity
from shared import sequences as shared_sequences
from shared import sql as shared_sql

from fence import sql

SIDES = ("onprem", "aurora")
LAYERS = ("all", "connect", "table")
RECOUNT_PAUSE_SECONDS = 0.02  # between two counts of the sessions being ended
QUERIES = shared_sql.BY_NAME  # the statements `query` runs, by the name the controller sends


class Connection(Protocol):
    def run(self, statement: str, **params: Any) -> list[list[Any]]: ...
    def close(self) -> None: ...


class FenceRefusedError(RuntimeError):
    """The fence would not hold (or cannot be checked); nothing was changed."""


class Scope(NamedTuple):
    roles: tuple[str, ...]  # the application's roles: reported (found, sessions); the fence denies every role
    patterns: tuple[str, ...]  # the migrated schemas as LIKE patterns
    control_table: str  # schema.table of the marker, in a migrated schema
    allow: dict[str, tuple[str, ...]] = {}  # per side, the roles the fence never denies (besides its own)


def _rows(connection: Connection, statement: str, **params: Any) -> list[dict]:
    rows = connection.run(statement, **params)
    names = [c["name"] for c in connection.columns] if getattr(connection, "columns", None) else []
    return [dict(zip(names, row, strict=True)) for row in rows]


def _one(connection: Connection, statement: str, **params: Any) -> dict:
    return _rows(connection, statement, **params)[0]


class Fence:
    def __init__(self, connect: Callable[[str], Connection], scope: Scope, *, clock=time.monotonic,
                 sleep=time.sleep, bound_seconds: float = sql.END_SESSIONS_BOUND_SECONDS):
        self.connect, self.scope = connect, scope
        self.clock, self.sleep, self.bound_seconds = clock, sleep, bound_seconds

    def _open(self, side: str) -> Connection:
        if side not in SIDES:
            raise ValueError(f"side: {side!r} is not one of {', '.join(SIDES)}")
        return self.connect(side)

    def _version(self, connection: Connection) -> int:
        """The setup's version installed on this database (0: none)."""
        if not _one(connection, sql.HAS_SETUP)["present"]:
            return 0
        return int(_one(connection, sql.INSTALLED)["version"])

    def _installed(self, connection: Connection) -> bool:
        return self._version(connection) == sql.VERSION

    def _setup(self, connection: Connection) -> None:
        for statement in sql.SETUP:
            connection.run(statement)

    def _session(self, side: str) -> Connection:
        """A connection whose database has this version's setup (installed in its own transaction if not)."""
        connection = self._open(side)
        if not self._installed(connection):
            connection.run("START TRANSACTION")
            try:
                self._setup(connection)
                connection.run("COMMIT")
            except Exception:
                connection.run("ROLLBACK")
                connection.close()
                raise
        return connection

    def _allow(self, side: str) -> list[str]:
        return list(self.scope.allow.get(side, ()))

    def _params(self, side: str) -> dict:
        return {"allow": self._allow(side), "patterns": list(self.scope.patterns)}

    # Changing operations ---------------------------------------------------------------------------------

    def fence(self, side: str, *, token: str = "", end_sessions: bool = False, close: bool = False) -> dict:
        """Fence `side` (closed: no session of a role outside the allowlist; read-only: no write privilege for
        one), end the sessions that remain when asked (always when closing), then commit the marker."""
        connection = self._session(side)
        steps, started = {}, time.perf_counter()

        def step(name: str) -> None:
            nonlocal started
            steps[name] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()

        def positions(names: dict | None = None) -> shared_sequences.Positions:
            return shared_sequences.read_positions(lambda statement, **params: _rows(connection, statement, **params),
                                                   ",".join(self.scope.patterns), names)

        try:
            if close:
                # Before writes stop: this session opens and names every sequence once, so the final read inside the
                # pause finds each one in its cache (a first open reads the catalog) and reads values by oid alone.
                warm = positions()
                step("warm")
            result = self._close(connection, side) if close else self._read_only(connection, side, end_sessions)
            step("fence")
            if token:
                marked = _rows(connection, shared_sql.marker_insert(self.scope.control_table), token=token, side=side)
                result["marker_at"] = _iso(marked[0]["at"])
                step("marker")
            if close:
                # Final now that no session outside the allowlist is left: what this side has issued, for the other
                # side's catch-up inside the pause. Read after the marker is committed, so replication carries the
                # marker meanwhile (a page of sequences a statement: each holds a page's locks, never the schema's).
                result["positions"] = positions(warm.names).values
                step("positions")
            return {**result, "steps_seconds": steps}
        finally:
            connection.close()

    def _read_only(self, connection: Connection, side: str, end_sessions: bool) -> dict:
        connection.run("START TRANSACTION")
        try:
            row = _one(connection, sql.FENCE, **self._params(side))
            connection.run("COMMIT")
        except Exception as error:
            connection.run("ROLLBACK")
            raise FenceRefusedError(_message(error)) from error
        ended = self._end_sessions(connection, side) if end_sessions else 0
        return {"side": side, "layer": "table", "revoked": int(row["revoked"]), "fenced_at": _iso(row["at"]),
                "sessions_ended": ended}

    def _close(self, connection: Connection, side: str) -> dict:
        """Refused before anything changes while a prepared transaction exists; after the sessions are ended,
        one found (prepared in between) or a session still there reopens the side and refuses."""
        prepared = _one(connection, sql.PREPARED)
        if int(prepared["prepared"]):
            raise FenceRefusedError(f"on {side}: {prepared['prepared']} prepared transaction(s) would commit after "
                                    f"the fence: {prepared['names']}; commit or roll them back (COMMIT PREPARED / "
                                    "ROLLBACK PREPARED as their owner), then fence again")
        connection.run("START TRANSACTION")
        try:
            row = _one(connection, sql.CLOSE, allow=self._allow(side))
            connection.run("COMMIT")
        except Exception as error:
            connection.run("ROLLBACK")
            raise FenceRefusedError(_message(error)) from error
        try:
            ended = self._end_sessions(connection, side)
            late = _one(connection, sql.PREPARED)
            if int(late["prepared"]):
                raise FenceRefusedError(f"on {side}: a transaction was prepared before its session ended: "
                                        f"{late['names']}; the side was reopened")
        except Exception as error:
            connection.run("START TRANSACTION")
            _one(connection, sql.UNFENCE, layer="connect")
            connection.run("COMMIT")
            if isinstance(error, FenceRefusedError):
                raise
            raise FenceRefusedError(f"on {side}: {_message(error)}; the side was reopened") from error
        return {"side": side, "layer": "connect", "revoked": int(row["revoked"]), "fenced_at": _iso(row["at"]),
                "sessions_ended": ended}

    def _end_sessions(self, connection: Connection, side: str) -> int:
        """End every session of a role outside the allowlist: all signalled at once, then re-counted until none
        is seen twice in a row (a backend that passed its CONNECT check just before the fence shows up on the
        second count); one still there at the bound refuses the fence."""
        deadline, ended, zeros = self.clock() + self.bound_seconds, set(), 0
        while zeros < 2:
            rows = _rows(connection, sql.END_SESSIONS, allow=self._allow(side))
            ended |= {row["pid"] for row in rows if row["signalled"]}
            if not rows:
                zeros += 1
            else:
                zeros = 0
                if self.clock() >= deadline:
                    left = _one(connection, sql.SESSIONS, allow=self._allow(side))
                    raise FenceRefusedError(f"on {side}: {left['sessions']} session(s) of {left['roles']} still "
                                            f"there after {self.bound_seconds} s; the side was reopened")
            self.sleep(RECOUNT_PAUSE_SECONDS)
        return len(ended)

    def install(self, side: str) -> dict:
        """This version's setup, before it is needed: the first fence inside a write pause then installs nothing."""
        connection = self._session(side)
        connection.close()
        return {"side": side, "version": sql.VERSION}

    def unfence(self, side: str, layer: str = "all") -> dict:
        if layer not in LAYERS:
            raise ValueError(f"layer: {layer!r} is not one of {', '.join(LAYERS)}")
        connection = self._session(side)
        try:
            connection.run("START TRANSACTION")
            granted = int(_one(connection, sql.UNFENCE, layer=layer)["granted"])
            connection.run("COMMIT")
            return {"side": side, "layer": layer, "granted": granted}
        finally:
            connection.close()

    def settle(self, side: str) -> dict:
        """After the write pause: grants a lift gave back through a holding role's membership given back directly,
        and the holding roles dropped. Per table, so it runs after the names have moved; until it has, the grantees
        write through the membership."""
        connection = self._session(side)
        try:
            connection.run("START TRANSACTION")
            granted = int(_one(connection, sql.SETTLE)["granted"])
            connection.run("COMMIT")
            return {"side": side, "settled": granted}
        finally:
            connection.close()

    def query(self, side: str, statement: str, params: dict) -> dict:
        """One of the shared statements (by name): a sequence sync page by page, or a parity question; each call
        is one statement, well inside the function's time limit whatever the number of tables."""
        if statement not in QUERIES:
            raise ValueError(f"statement: {statement!r} is not one of {', '.join(sorted(QUERIES))}")
        # What the fence was deployed with stands for what the caller leaves out: the migrated schemas and the
        # application roles (the parity statements name both).
        own = {"schemas": ",".join(self.scope.patterns), "roles": ",".join(self.scope.roles)}
        params = {**{k: v for k, v in own.items() if f":{k}" in QUERIES[statement]}, **params}
        connection = self._open(side)
        try:
            # A catalog question waits on no DDL in progress: past the bound it fails, and the gate says why.
            connection.run(f"SET lock_timeout = '{sql.QUERY_LOCK_TIMEOUT_SECONDS}s'")
            if statement.startswith("parity_"):  # bounded, so a flip's time budget holds (cutover.settings)
                connection.run(f"SET statement_timeout = '{shared_parity.STATEMENT_SECONDS}s'")
            return {"side": side, "rows": _jsonable(_rows(connection, QUERIES[statement], **params))}
        except Exception as error:
            raise FenceRefusedError(f"on {side}: {statement}: {_message(error)}") from error
        finally:
            connection.close()

    # Reading operations ----------------------------------------------------------------------------------

    def marker(self, side: str, token: str) -> dict:
        connection = self._open(side)
        try:
            rows = _rows(connection, shared_sql.marker_seen(self.scope.control_table), token=token)
            return {"side": side, "token": token, "seen_at": _iso(rows[0]["at"]) if rows else None}
        finally:
            connection.close()

    def measure(self, side: str) -> dict:
        """The fence as it stands, measured: whether any role outside the allowlist can write on `side` now."""
        connection = self._open(side)
        try:
            connection.run("START TRANSACTION")
            try:
                if not self._installed(connection):
                    self._setup(connection)  # rolled back below: a measurement leaves nothing behind
                return self._measured(connection, side)
            finally:
                connection.run("ROLLBACK")
        finally:
            connection.close()

    def _measured(self, connection: Connection, side: str) -> dict:
        m = _one(connection, sql.MEASURED, **self._params(side))
        sessions = _one(connection, sql.SESSIONS, allow=self._allow(side))
        recorded = _one(connection, sql.RECORDED)
        closed = int(m["can_connect"]) == 0
        read_only = int(m["writable"]) == 0
        # Closed holds once no outside session is left; read-only holds by itself (each statement is checked).
        fenced = read_only or (closed and int(sessions["sessions"]) == 0)
        return {"side": side, "fenced": fenced, "closed": closed, "read_only": read_only,
                "can_connect": m["can_connect_roles"], "writable_sample": m["writable_sample"],
                "sessions": int(sessions["sessions"]), "session_roles": sessions["roles"],
                "recorded_table_grants": int(recorded["table_grants"]),
                "recorded_connect_grants": int(recorded["connect_grants"])}

    def check(self, side: str, *, long_transaction_seconds: int = 30) -> dict:
        """A dry run, in a READ ONLY transaction: reachable, what the fence role may do, what each layer the side
        uses would revoke and whether it would hold (predicted from the catalog), the routes and prepared
        transactions that would refuse it, each reason named. It needs this version's setup and never installs it
        (the controller does, outside any dry run)."""
        try:
            connection = self._open(side)
        except Exception as error:
            return {"side": side, "reachable": False, "ready": False, "error": _message(error)}
        try:
            connection.run("START TRANSACTION READ ONLY")
            try:
                found = self._version(connection)
                if found != sql.VERSION:
                    return {"side": side, "reachable": True, "ready": False, "installed": False,
                            "error": f"the fence's setup version {sql.VERSION} is not installed on {side} (found "
                                     f"{found or 'none'}): the controller installs it on its next tick or change"}
                result = self._dry_run(connection, side)
                result["readiness"] = self._readiness(connection, long_transaction_seconds)
            finally:
                connection.run("ROLLBACK")
        except Exception as error:
            return {"side": side, "reachable": True, "ready": False, "error": _message(error)}
        finally:
            connection.close()
        return {**result, "installed": True}

    def _dry_run(self, connection: Connection, side: str) -> dict:
        found = [r["role_name"] for r in _rows(connection, sql.FOUND_ROLES, roles=list(self.scope.roles))]
        abilities = _one(connection, sql.ABILITIES, patterns=list(self.scope.patterns))
        measured = self._measured(connection, side)
        prepared = _one(connection, sql.PREPARED)
        routes = _rows(connection, sql.ROUTES, **self._params(side))
        marker_ok = _control_table_usable(connection, self.scope.control_table)
        would = _one(connection, sql.WOULD, **self._params(side))
        routes_named = [f"{r['kind']} {r['object_name']} (by {r['via']})" for r in routes]
        table_why = (_refusal("writable", would["still_writable"]) if would["still_writable"] else
                     _refusal("route", ", ".join(routes_named)) if routes_named else "")
        close_why = _refusal("connect", would["still_connect"]) if would["still_connect"] else ""
        # On-prem is only ever closed; Aurora is read-only during the canary and closed at a rollback.
        read_only_used = side == "aurora"
        why: list[str] = []
        missing = sorted(set(self.scope.roles) - set(found))
        if missing:
            why.append(f"application roles not found: {', '.join(missing)}")
        if not abilities["can_end_sessions"]:
            why.append(f"{abilities['fence_role']} cannot end sessions: GRANT pg_signal_backend TO it")
        if not abilities["owns_database"]:
            why.append(f"{abilities['fence_role']} is not a member of the database's owner: it cannot revoke CONNECT")
        if int(abilities["tables_not_owned"]) and read_only_used:
            why.append(f"{abilities['tables_not_owned']} migrated table(s) whose owner {abilities['fence_role']} is "
                       f"not a member of: {abilities['not_owned_sample']}")
        if not marker_ok:
            why.append(f"control table {self.scope.control_table} missing or not writable by "
                       f"{abilities['fence_role']} (INSERT, SELECT)")
        if int(prepared["prepared"]):
            why.append(f"{prepared['prepared']} prepared transaction(s): {prepared['names']}")
        layers = (("read-only", table_why),) if read_only_used else ()
        for label, reason in (*layers, ("closed", close_why)):
            if reason:
                why.append(f"{label} fence would not hold: {reason}")
        # A revocation the fence role may not make (not a member of the owner) leaves the grant: it would not hold.
        would_hold = not table_why and not int(abilities["tables_not_owned"])
        would_close = not close_why and bool(abilities["owns_database"])
        return {"side": side, "reachable": True, "ready": not why, "why_not": "; ".join(why),
                "fence_role": abilities["fence_role"], "roles_missing": missing,
                "can_end_sessions": bool(abilities["can_end_sessions"]), "owns_database": bool(abilities["owns_database"]),
                "tables": int(abilities["tables"]), "tables_not_owned": int(abilities["tables_not_owned"]),
                "would_revoke": int(would["table_grants"]), "would_hold": would_hold, "would_close": would_close,
                "lift": self._lift(would) if read_only_used else None,
                "would_revoke_connect": int(would["connect_grants"]), "prepared_transactions": int(prepared["prepared"]),
                "routes": routes_named, "control_table": marker_ok, **measured,
                "application_sessions": measured["sessions"]}

    @staticmethod
    def _lift(would: dict) -> dict:
        """How opening the read-only side will give the grants back inside the write pause: a membership per grantee
        whose grants are parked on a holding role (constant in the number of tables), the rest table by table."""
        per_table, roles = int(would["per_table_grants"]), would["per_table_roles"]
        why = ""
        if per_table:
            why = (f"{per_table} grant(s) of {roles} go back one table at a time inside the write pause: PUBLIC's "
                   "always; a role's when the fence role lacks CREATEROLE, or (before PostgreSQL 16) when the role "
                   "does not INHERIT")
        return {"memberships": int(would["held_grantees"]), "per_table_grants": per_table, "note": why}

    def _readiness(self, connection: Connection, bound: int) -> dict:
        """What the side must not hold when the cutover moves: unlogged tables and large objects (replication cannot
        carry them), transactions open past `bound` seconds and DDL in progress (the close would cut them)."""
        r = _one(connection, sql.READINESS, patterns=list(self.scope.patterns), bound=bound)
        return {"bound_seconds": bound, "can_read_stats": bool(r["can_read_stats"]),
                "unlogged": int(r["unlogged"]), "unlogged_sample": r["unlogged_sample"],
                "large_objects": int(r["large_objects"]), "large_object_columns": r["large_object_columns"],
                "long_transactions": int(r["long_transactions"]), "long_sample": r["long_sample"],
                "ddl_in_progress": int(r["ddl_in_progress"]), "ddl_sample": r["ddl_sample"]}


def _refusal(kind: str, names: str) -> str:
    return f"{sql.REFUSALS[kind]}: {names} ({sql.HINTS[kind]})"


def _control_table_usable(connection: Connection, table: str) -> bool:
    rows = connection.run("SELECT to_regclass(:t) IS NOT NULL AND has_table_privilege(to_regclass(:t), "
                          "'INSERT, SELECT')", t=table)
    return bool(rows and rows[0][0])


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{k: (v if v is None or isinstance(v, bool | int | float | str) else str(v)) for k, v in row.items()}
            for row in rows]


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (None if value is None else str(value))


def _message(error: Exception) -> str:
    """pg8000 carries the server's message in a dict (M: message, H: hint)."""
    detail = error.args[0] if error.args and isinstance(error.args[0], dict) else None
    if detail:
        hint = f" ({detail['H']})" if detail.get("H") else ""
        return f"{detail.get('M', error)}{hint}"
    return str(error)
