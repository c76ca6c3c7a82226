"""manage.py with the test-only example vendor registered (tests/system/example_vendor.py), for
browser tests that run the product in a subprocess against the example phone system."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import integrations

integrations.VENDORS["example"] = "tests.system.example_vendor"
integrations.VENDOR_LABELS["example"] = "Example event feed"  # (before the models' choices)

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
