"""Every compliance rule as a checkov check, loadable by checkov itself (`--external-checks-dir
policies/checks`) from any working directory: the project root is found from this file, not from
the current directory."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from policies.twin import register_all  # noqa: E402

CHECKS = register_all()
