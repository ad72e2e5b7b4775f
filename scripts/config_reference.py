"""The configuration reference and the JSON Schema of the config file, both generated from the schema
(stack/config.py). `--write` updates docs/configuration.md in place and rewrites docs/config.schema.json;
a test fails when either is stale."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stack.config import Config  # noqa: E402
from stack.config_loading import SCHEMA_KEY, defaults, env_names, settings  # noqa: E402

BEGIN, END = "<!-- config-table:begin -->", "<!-- config-table:end -->"
REFERENCE = ROOT / "docs" / "configuration.md"
SCHEMA = ROOT / "docs" / "config.schema.json"


def _allowed(schema: dict) -> str:
    if "enum" in schema:
        return ", ".join(map(str, schema["enum"]))
    if "minimum" in schema or "maximum" in schema:
        return f"{schema.get('minimum', '')} to {schema.get('maximum', '')}"
    return ""


def _field_schemas() -> dict[str, dict]:
    document = json_schema()
    out = {}
    for key, prop in document["properties"].items():
        if "$ref" in prop:
            section = document["$defs"][prop["$ref"].rsplit("/", 1)[1]]
            out.update({f"{key}.{name}": sub for name, sub in section["properties"].items()})
        else:
            out[key] = prop
    return out


def table() -> str:
    rows = ["| Setting (JSON path) | Environment variable | Meaning | Allowed | Default |", "|---|---|---|---|---|"]
    schemas, values, infos = _field_schemas(), defaults(), settings()
    for path, env in env_names().items():
        default = values[path]
        shown = ",".join(map(str, default)) if isinstance(default, list) else json.dumps(default)
        rows.append(f"| `{path}` | `{env}` | {infos[path].description} | {_allowed(schemas[path])} | `{shown}` |")
    return "\n".join(rows)


def section() -> str:
    return f"{BEGIN}\n{table()}\n{END}"


def json_schema() -> dict:
    """The config file's JSON Schema; `$schema` is allowed so an editor can find this file from a config."""
    document = Config.model_json_schema(mode="validation")
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["$id"] = "config.schema.json"
    document["properties"] = {SCHEMA_KEY: {"type": "string", "description": "Where an editor finds this schema"},
                              **document["properties"]}
    return document


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        text = REFERENCE.read_text()
        start, end = text.index(BEGIN), text.index(END) + len(END)
        REFERENCE.write_text(text[:start] + section() + text[end:])
        SCHEMA.write_text(schema_text())
    elif sys.argv[1:] == ["--schema"]:
        print(schema_text(), end="")
    else:
        print(section())
