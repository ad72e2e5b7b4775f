"""Print the configuration table from the config itself (`--write docs/configuration.md` updates it in place)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stack.config import DOCS, defaults, env_names

BEGIN, END = "<!-- config-table:begin -->", "<!-- config-table:end -->"


def table() -> str:
    rows = ["| Setting (JSON path) | Environment variable | Meaning | Default |", "|---|---|---|---|"]
    for path, env in env_names().items():
        default = defaults()[path]
        shown = ",".join(map(str, default)) if isinstance(default, list) else json.dumps(default)
        rows.append(f"| `{path}` | `{env}` | {DOCS[path]} | `{shown}` |")
    return "\n".join(rows)


def section() -> str:
    return f"{BEGIN}\n{table()}\n{END}"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        path = Path(sys.argv[2])
        text = path.read_text()
        start, end = text.index(BEGIN), text.index(END) + len(END)
        path.write_text(text[:start] + section() + text[end:])
    else:
        print(section())
