"""`python -m tests.system.with_example_vendor <manage.py arguments>`: manage.py with the
test-only example vendor (tests/system/example_vendor.py) registered, for browser tests that
run the product as its own process and feed it call events."""

from __future__ import annotations

import os
import sys

import integrations


def main() -> None:
    integrations.VENDORS["example"] = "tests.system.example_vendor"
    integrations.VENDOR_LABELS["example"] = "Example event feed"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", *sys.argv[1:]])


if __name__ == "__main__":
    main()
