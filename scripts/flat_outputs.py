"""Turn Terraform's or cdktf's output JSON into cfn-outputs/flat-outputs.json (one flat key -> string map).

Accepts `terraform output -json` ({"name": {"value": ...}}) and `cdktf deploy --outputs-file`
({"stack": {"name": value}}), from a file or standard input ("-").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def flatten(document: dict) -> dict[str, str]:
    if not isinstance(document, dict) or not document:
        raise ValueError("expected a non-empty JSON object of outputs")
    first = next(iter(document.values()))
    if isinstance(first, dict) and "value" in first:  # terraform output -json
        values = {k: v["value"] for k, v in document.items()}
    elif all(isinstance(v, dict) for v in document.values()):  # cdktf --outputs-file: one object per stack
        if len(document) != 1:
            raise ValueError(f"outputs of {len(document)} stacks; pass one stack's outputs")
        values = first
    else:
        raise ValueError("neither terraform output -json nor a cdktf outputs file")
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in sorted(values.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", help="output JSON file, or - for standard input")
    parser.add_argument("--out", default="cfn-outputs/flat-outputs.json")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if args.source == "-" else Path(args.source).read_text()
        flat = flatten(json.loads(text))
    except (OSError, ValueError) as error:
        print(f"error: {args.source}: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(flat, indent=2, sort_keys=True) + "\n")
    tmp.replace(out)
    print(f"wrote {len(flat)} outputs to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
