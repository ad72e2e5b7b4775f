"""The fence's operations over one connection per database; the handler supplies the connections.

Sides are named as the controller names them: `onprem` and `aurora`. Every operation is idempotent:
fencing a fenced side revokes nothing more and records nothing twice; lifting an open side grants nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from fence import sql

SIDES = ("onprem", "aurora")


class Connection(Protocol):
    def run(self, statement: str, **params: Any) -> list[list[Any]]: ...
    def close(self) -> None: ...


class FenceRefusedError(RuntimeError):
    """The fence would not hold (or cannot be checked); nothing was changed."""


class Scope(NamedTuple):
    roles: tuple[str, ...]  # the application's roles; DMS's and the fence's own are never among them
    patterns: tuple[str, ...]  # the migrated schemas as LIKE patterns
    control_table: str  # schema.table of the marker, in a migrated schema


def _rows(connection: Connection, statement: str, **params: Any) -> list[dict]:
    rows = connection.run(statement, **params)
    names = [c["name"] for c in connection.columns] if getattr(connection, "columns", None) else []
    return [dict(zip(names, row, strict=True)) for row in rows]


class Fence:
    def __init__(self, connect: Callable[[str], Connection], scope: Scope):
        self.connect, self.scope = connect, scope

    def _session(self, side: str) -> Connection:
        if side not in SIDES:
            raise ValueError(f"side: {side!r} is not one of {', '.join(SIDES)}")
        connection = self.connect(side)
        for statement in sql.SETUP:
            connection.run(statement)
        return connection

    def _params(self) -> dict:
        return {"roles": list(self.scope.roles), "patterns": list(self.scope.patterns)}

    def fence(self, side: str, *, token: str = "", end_sessions: bool = False) -> dict:
        """Revoke and prove (one transaction), then end the application's sessions, then commit the marker."""
        connection = self._session(side)
        try:
            connection.run("START TRANSACTION")
            try:
                row = _rows(connection, sql.FENCE, **self._params())[0]
                connection.run("COMMIT")
            except Exception as error:
                connection.run("ROLLBACK")
                raise FenceRefusedError(_message(error)) from error
            ended = 0
            if end_sessions:
                ended = int(_rows(connection, sql.END_SESSIONS, roles=list(self.scope.roles))[0]["ended"])
            result = {"side": side, "revoked": int(row["revoked"]), "fenced_at": _iso(row["at"]),
                      "sessions_ended": ended}
            if token:
                marked = _rows(connection, sql.marker_insert(self.scope.control_table), token=token, side=side)
                result["marker_at"] = _iso(marked[0]["at"])
            return result
        finally:
            connection.close()

    def unfence(self, side: str) -> dict:
        connection = self._session(side)
        try:
            connection.run("START TRANSACTION")
            granted = int(_rows(connection, sql.UNFENCE)[0]["granted"])
            connection.run("COMMIT")
            return {"side": side, "granted": granted}
        finally:
            connection.close()

    def marker(self, side: str, token: str) -> dict:
        connection = self.connect(side)
        try:
            rows = _rows(connection, sql.marker_seen(self.scope.control_table), token=token)
            return {"side": side, "token": token, "seen_at": _iso(rows[0]["at"]) if rows else None}
        finally:
            connection.close()

    def sequences(self, side: str, *, gap: int) -> dict:
        """The controller's sequence sync (cutover.sequences), run here: past every column, never backwards,
        none set if any one would pass its maximum; in pages, so no statement holds more than a page's locks."""
        from cutover import sequences

        connection = self.connect(side)
        try:
            plan = sequences.sync(lambda statement, **params: _rows(connection, statement, **params),
                                  ",".join(self.scope.patterns), gap, apply=True)
        except sequences.SequenceRefusedError as error:
            raise FenceRefusedError(f"on {side}: {error}") from error
        finally:
            connection.close()
        return {"side": side, "set": plan.moved, **plan.summary()}

    def check(self, side: str) -> dict:
        """A dry run: reachable, the roles found, what the fence role may do, and whether a fence would hold
        (fenced and proved inside a transaction that is rolled back)."""
        try:
            connection = self._session(side)
        except Exception as error:
            return {"side": side, "reachable": False, "error": _message(error)}
        try:
            found = [r["role_name"] for r in _rows(connection, sql.FOUND_ROLES, roles=list(self.scope.roles))]
            abilities = _rows(connection, sql.ABILITIES, patterns=list(self.scope.patterns))[0]
            writable = _rows(connection, sql.WRITABLE, **self._params())
            sessions = _rows(connection, sql.SESSIONS, roles=list(self.scope.roles))
            recorded = int(_rows(connection, sql.RECORDED)[0]["recorded"])
            connection.run("START TRANSACTION")
            try:
                would_revoke, holds, why = int(_rows(connection, sql.FENCE, **self._params())[0]["revoked"]), True, ""
            except Exception as error:
                would_revoke, holds, why = 0, False, _message(error)
            connection.run("ROLLBACK")
            marker_ok = _control_table_usable(connection, self.scope.control_table)
        except Exception as error:
            return {"side": side, "reachable": True, "error": _message(error)}
        finally:
            connection.close()
        missing = sorted(set(self.scope.roles) - set(found))
        ready = holds and not missing and marker_ok and bool(abilities["can_end_sessions"]) \
            and int(abilities["tables_not_owned"]) == 0
        return {"side": side, "reachable": True, "ready": ready, "fence_role": abilities["fence_role"],
                "roles_missing": missing, "can_end_sessions": bool(abilities["can_end_sessions"]),
                "tables": int(abilities["tables"]), "tables_not_owned": int(abilities["tables_not_owned"]),
                "fenced": not writable, "writable": len(writable), "recorded_revocations": recorded,
                "would_revoke": would_revoke, "would_hold": holds, "why_not": why,
                "application_sessions": len(sessions), "control_table": marker_ok}


def _control_table_usable(connection: Connection, table: str) -> bool:
    rows = connection.run("SELECT to_regclass(:t) IS NOT NULL AND has_table_privilege(to_regclass(:t), "
                          "'INSERT, SELECT')", t=table)
    return bool(rows and rows[0][0])


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (None if value is None else str(value))


def _message(error: Exception) -> str:
    """pg8000 carries the server's message in a dict (M: message, H: hint)."""
    detail = error.args[0] if error.args and isinstance(error.args[0], dict) else None
    if detail:
        hint = f" ({detail['H']})" if detail.get("H") else ""
        return f"{detail.get('M', error)}{hint}"
    return str(error)
