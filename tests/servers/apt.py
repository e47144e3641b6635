"""Install Debian packages a test server needs, once, when the test suite runs as root."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence


def install_reason(what: str, packages: Sequence[str], present: Callable[[], bool]) -> str | None:
    """Install `packages` with apt-get unless `present()`; return why they cannot be had, or None."""
    if present():
        return None
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"{what}: not installed, and cannot be installed here (needs root and apt): {tuple(packages)}"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # A fresh machine has no package lists yet; update once and try again.
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not present():
        return f"apt-get could not install {tuple(packages)}: {result.stderr.strip()[-500:]}"
    return None
