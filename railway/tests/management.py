"""manage.py run as an operator runs it: a child process on railway.settings, with no test settings."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run `manage.py *args` with production settings and `env` on top; return the finished process.

    The test run's own SECRET_KEY, DEBUG, ALLOWED_HOSTS and SECURE_SSL_REDIRECT are left out, so
    that the command sees only what `env` gives it.
    """
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "railway.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
