"""`manage.py serve` says at start which cookie mode is in force: secure cookies (HTTPS), or
the plain-HTTP LAN mode a site chose with SECURE_COOKIES=false."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.system.test_demo import ROOT


def first_lines(tmp_path: Path, secure: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNELS_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'lan.sqlite3'}",
        SECRET_KEY="lan-mode-test",
        ALLOWED_HOSTS="localhost",
        SECURE_COOKIES=secure,
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:  # until the server says it serves
            lines.append(line)
            if line.startswith("Serving on") or len(lines) > 50:
                break
        process.terminate()
        process.wait(20)
    return "".join(lines)


@pytest.mark.parametrize(
    ("secure", "said"),
    [
        ("true", "security: secure cookies (HTTPS)"),
        ("false", "security: plain-HTTP LAN mode (SECURE_COOKIES=false)"),
    ],
)
def test_serve_says_which_cookie_mode_is_in_force(tmp_path: Path, secure: str, said: str) -> None:
    output = first_lines(tmp_path, secure)
    assert said in output, output
    assert "Serving on" in output
