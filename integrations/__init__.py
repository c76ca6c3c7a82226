"""Vendor integrations: one package per feed, each free of Django.

The registry: VENDORS maps a vendor key to its package, imported lazily so a site pays only
for what it uses. Each package's `VENDOR` (integrations.base.VendorInfo) carries its label,
transport, layouts, defaults and capabilities (extra outputs, start-up diagnostics), so the web
side and ingest ask the registry and never test for a vendor by name. Adding a vendor is one
folder here and one line in VENDORS and VENDOR_LABELS (docs/architecture.md has the checklist).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import cast

from integrations.base import Integration, LiveDocument, VendorInfo

VENDORS: dict[str, str] = {
    "avaya_cms": "integrations.avaya_cms",
    "mitel": "integrations.mitel",
    "optimus": "integrations.optimus",
    "csta": "integrations.csta",
    "optimus_db": "integrations.optimus_db",
}

# Known without importing the packages (model choices are built at import time).
VENDOR_LABELS: dict[str, str] = {
    "avaya_cms": "Avaya CMS Real-Time Socket",
    "mitel": "Mitel 3300 ACD Real Time Events",
    "optimus": "Aspire Optimus toolbar feed",
    "csta": "Avaya AES DMCC (CSTA XML)",
    "optimus_db": "Aspire Optimus database (SQL Server)",
}


# Recorders (the other kind of integration: call-recording systems that ingest tags with call
# data, ingest/recordings.py): kind -> package with make_client() and validate_url().
RECORDERS: dict[str, str] = {
    "http_json": "integrations.recorder_http",
}
RECORDER_LABELS: dict[str, str] = {
    "http_json": "Generic HTTP/JSON recorder API",
}


def recorder(kind: str) -> ModuleType:
    """The recorder package for a kind; KeyError for an unknown kind."""
    return importlib.import_module(RECORDERS[kind])


def integration(vendor: str) -> Integration:
    """The integration package for a vendor key; KeyError for an unknown key."""
    return cast(Integration, importlib.import_module(VENDORS[vendor]))


def vendor_info(vendor: str) -> VendorInfo:
    """A vendor's label, transport, defaults and capabilities; KeyError for an unknown key."""
    return integration(vendor).VENDOR


def live_document(name: str) -> tuple[str, LiveDocument] | None:
    """The vendor offering the extra live output called `name`, and the output; or None."""
    for key in VENDORS:
        document = vendor_info(key).live_document
        if document is not None and document.name == name:
            return key, document
    return None


def simulator(vendor: str) -> ModuleType:
    return importlib.import_module(VENDORS[vendor] + ".simulator")
