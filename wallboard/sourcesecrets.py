"""A source's credentials at rest: encrypted with a key derived from SECRET_KEY (Fernet).

The trade-off (README, "Credentials"): a copy of the database (a backup, a dump sent for
support) does not give away the PBX's passwords unless SECRET_KEY goes with it; but whoever
has both has the passwords, and changing SECRET_KEY makes the stored ones unreadable (the
source then says so, and a site types them in again). Nothing here ever shows a value.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

# cryptography is imported where it is used: loading it costs a process about 8 MB, and most
# processes never seal or read a secret (ingest without a source that has credentials).

# Stored text starts with this, so a future scheme can tell its own rows apart.
PREFIX = "f1:"


class UnreadableSecrets(ValueError):
    """The stored secrets were written with another SECRET_KEY (or were tampered with)."""


def _fernet() -> Fernet:
    # A key of its own for this purpose: SECRET_KEY's other uses (sessions, signing) never
    # see the same key material.
    from cryptography.fernet import Fernet

    digest = hashlib.sha256(b"wallboard source secrets\0" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(values: dict[str, str]) -> str:
    """The stored form of a source's secrets ('' for none)."""
    if not values:
        return ""
    return PREFIX + _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def unseal(stored: str) -> dict[str, str]:
    """A source's secrets from their stored form; UnreadableSecrets if they cannot be read."""
    if not stored:
        return {}
    if not stored.startswith(PREFIX):
        raise UnreadableSecrets("the stored credentials are not in a known form")
    from cryptography.fernet import InvalidToken

    try:
        values: Any = json.loads(_fernet().decrypt(stored[len(PREFIX) :].encode()))
    except (InvalidToken, ValueError) as exc:
        raise UnreadableSecrets(
            "the stored credentials cannot be read (was SECRET_KEY changed?): enter them again"
        ) from exc
    if not isinstance(values, dict):
        raise UnreadableSecrets("the stored credentials are not in a known form")
    return {str(k): str(v) for k, v in values.items()}
