"""Load the config, build the app and its stack, synthesize. A config error exits 2 before anything is written."""

from __future__ import annotations

import os
import sys

from stack import provider_import
from stack.config import ConfigError, load


def main() -> int:
    try:
        config = load()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    provider_import.install()
    from cdktf import App

    from stack.migration_stack import MigrationStack

    app = App(outdir=os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
    MigrationStack(app, config.stack_name, config=config)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
