"""The gate's findings: what every source reported, and the timings. The gate fills them; the reports read them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Result:
    source: str
    check_id: str
    name: str
    stack: str
    resource: str
    status: str  # passed | failed | skipped | suppressed
    message: str = ""
    file: str = ""
    lines: tuple[int, int] = (1, 1)


@dataclass
class Verdict:
    results: list[Result] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]

    def counts(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for r in self.results:
            row = table.setdefault(r.source, {"passed": 0, "failed": 0, "skipped": 0, "suppressed": 0})
            row[r.status] += 1
        return table
