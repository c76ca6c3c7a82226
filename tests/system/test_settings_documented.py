"""Every setting wallboard/settings.py reads from the environment is in .env.example and in the
README's settings table, so a site can find each one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# _setting("NAME", ...) and env.<reader>("NAME", ...): every way settings.py reads a setting.
READ = re.compile(r"""(?:_setting|env\.\w+)\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def settings_read() -> set[str]:
    return set(READ.findall((ROOT / "wallboard" / "settings.py").read_text()))


def readme_table() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Settings (environment or `.env`", 1)[1].split("\n\n", 1)[0]
    # A row's first cell names one setting or a few that go together (`A`, `B` / `C`).
    cells = re.findall(r"^\| ([^|]*) \|", section, re.MULTILINE)
    return {name for cell in cells for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cell)}


def env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def test_the_parser_finds_the_settings_it_must() -> None:
    assert {"SECRET_KEY", "DATABASE_URL", "SECURE_COOKIES", "CAPTURE_DIR"} <= settings_read()


def test_every_setting_read_is_in_env_example() -> None:
    missing = settings_read() - env_example()
    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_every_setting_read_is_in_the_readme_settings_table() -> None:
    missing = settings_read() - readme_table()
    assert not missing, f"not in the README's settings table: {sorted(missing)}"
