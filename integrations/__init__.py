"""Vendor integrations: one package per feed, each free of Django (see CONTRIBUTING in README).

VENDORS maps a vendor key to its package, imported lazily so a site pays only for what it uses.
"""

from __future__ import annotations

import importlib
from types import ModuleType

VENDORS: dict[str, str] = {
    "avaya_cms": "integrations.avaya_cms",
    "mitel": "integrations.mitel",
    "optimus": "integrations.optimus",
}

VENDOR_LABELS: dict[str, str] = {
    "avaya_cms": "Avaya CMS Real-Time Socket",
    "mitel": "Mitel 3300 ACD Real Time Events",
    "optimus": "Aspire Optimus toolbar feed",
}


def integration(vendor: str) -> ModuleType:
    """The integration package for a vendor key; KeyError for an unknown key."""
    return importlib.import_module(VENDORS[vendor])


def simulator(vendor: str) -> ModuleType:
    return importlib.import_module(VENDORS[vendor] + ".simulator")
