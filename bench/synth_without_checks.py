"""`python main.py` minus the compliance aspects: the baseline of the aspects' cost (benchmark only)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from foundation import provider_import
from stack.config_loading import load

if __name__ == "__main__":
    config = load()
    provider_import.install()
    from foundation.cdk import App
    from stack.migration_stack import MigrationStack

    app = App(outdir=os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
    MigrationStack(app, config.stack_name, config=config, compliance_checks=False)
    app.synth()
