"""Load the config, build the app and its stack, synthesize. A config error exits 2 before anything is written."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from foundation import provider_import
from stack.config_loading import ConfigError, load


def main() -> int:
    try:
        config = load()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    provider_import.install()
    from foundation.cdk import App
    from stack.migration_stack import MigrationStack

    outdir = Path(os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
    app = App(outdir=str(outdir))
    stack = MigrationStack(app, config.stack_name, config=config)
    try:
        app.synth()
    except RuntimeError:
        if not stack.compliance.blocking:
            raise
    blocking = stack.compliance.blocking
    if blocking:
        # A stack that fails compliance must not be left where `cdktf deploy` would pick it up.
        shutil.rmtree(outdir / "stacks" / config.stack_name, ignore_errors=True)
        ids = ", ".join(sorted({f.rule_id for f in blocking}))
        print(f"error: {len(blocking)} compliance finding(s) block the synth ({ids}); "
              f"report: {outdir / 'compliance' / config.stack_name}.md", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
