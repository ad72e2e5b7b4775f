"""The integration suite against a local emulator: start moto's server on loopback, synthesize, provision
(standing in for `cdktf deploy`), write cfn-outputs/flat-outputs.json, run the suite, stop the server.

    python -m tests.integration.run_emulated
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"moto server at {url} did not start within {timeout:.0f} s")


def main() -> int:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="integration-"))
    env = {**os.environ, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "CDKTF_OUTDIR": str(work / "cdktf.out"),
           "MIGRATION_FLAT_OUTPUTS": str(work / "cfn-outputs" / "flat-outputs.json"),
           "MIGRATION_INTEGRATION_LOCAL_INVOKE": "1"}
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(url)
        steps = [
            [sys.executable, "main.py"],
            [sys.executable, "-m", "tests.integration.provision", "--outdir", env["CDKTF_OUTDIR"],
             "--outputs", env["MIGRATION_FLAT_OUTPUTS"]],
            [sys.executable, "-m", "pytest", "tests/integration", "-m", "integration", "-p", "no:cacheprovider"],
        ]
        for step in steps:
            code = subprocess.run(step, cwd=ROOT, env=env, check=False).returncode
            if code != 0:
                return code
        return 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
