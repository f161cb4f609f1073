"""The contributor workflow (``.github/workflows/``) passes a GitHub Actions security audit.

zizmor, offline and with its strictest persona: no expression expanded inside a script, every
action pinned by commit hash, no credentials left in the checkout. The same audit runs in
``make lint``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kg.settings import PROJECT_ROOT

ZIZMOR = Path(sys.executable).with_name("zizmor")


def test_workflows_have_no_zizmor_finding() -> None:
    audit = subprocess.run(
        [str(ZIZMOR), "--offline", "--persona=auditor", ".github/workflows"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report." in audit.stdout, audit.stdout
