"""System checks: configuration mistakes surface at start-up (`manage.py check`, runingest)."""

from __future__ import annotations

import socket
from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ValidationError
from django.db import DatabaseError

from integrations import integration, vendor_info


@register("wallboard")
def check_sources(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from wallboard.models import Source

    try:
        sources = list(Source.objects.filter(enabled=True))
    except DatabaseError:  # not migrated yet: nothing configured to check
        return []
    errors: list[CheckMessage] = []
    for source in sources:
        try:
            source.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.append(
                    Error(
                        f"Source '{source.name}': {field}: {' '.join(messages)}",
                        hint="Correct it in the admin (Sources) or in the imported config.",
                        obj=source,
                        id="wallboard.E001",
                    )
                )
            continue
        problem = unreadable_secrets(source)
        if problem:
            errors.append(
                Warning(
                    f"Source '{source.name}': {problem}",
                    hint="Type the source's credentials again in the admin (Sources).",
                    obj=source,
                    id="wallboard.W005",
                )
            )
        errors += credential_warnings(source)
        diagnose = vendor_info(source.vendor).diagnostics
        for diagnostic in diagnose(source.effective_layout) if diagnose else []:
            errors.append(
                Warning(
                    f"Source '{source.name}': {diagnostic.message}",
                    hint=diagnostic.hint or None,
                    obj=source,
                    id="wallboard.W003",
                )
            )
        if source.listen and not source.allowed_peers.strip():
            errors.append(
                Warning(
                    f"Source '{source.name}' listens on {source.listen} with no allowed peers:"
                    " anyone who can reach the port may connect to it",
                    hint="List the phone system's address (e.g. 10.0.0.5) in the source's"
                    " allowed peers. A stranger's connection can feed the wall made-up figures"
                    " or take the port's attention from the real feed.",
                    obj=source,
                    id="wallboard.W004",
                )
            )
        problem = unbindable(source.listen) if source.listen else None
        if problem:
            errors.append(
                Warning(
                    f"Source '{source.name}': cannot listen on {source.listen}: {problem}",
                    hint="Use 0.0.0.0 or an address of the server that runs runingest.",
                    obj=source,
                    id="wallboard.W002",
                )
            )
    return errors


def unbindable(listen: str) -> str | None:
    """Why this machine cannot listen on the address's host (port 0: no clash with runingest
    itself holding the real port), or None."""
    from wallboard.lib.addresses import AddressError, parse_address

    try:
        host, _ = parse_address(listen)
    except AddressError as exc:
        return str(exc)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def unreadable_secrets(source: Any) -> str | None:
    """Why a source's stored credentials cannot be read (SECRET_KEY changed), or None."""
    from wallboard.sourcesecrets import UnreadableSecrets

    try:
        source.secret_values()
    except UnreadableSecrets as exc:
        return str(exc)
    return None


def credential_warnings(source: Any) -> list[CheckMessage]:
    """What the source's vendor says of its credentials (e.g. a login and password printed
    in the vendor's own guide), through the integration's optional credential_diagnostics."""
    from wallboard.sourcesecrets import UnreadableSecrets

    check = getattr(integration(source.vendor), "credential_diagnostics", None)
    if check is None:
        return []
    try:
        secrets = source.secret_values()
    except UnreadableSecrets:
        return []  # said already (W005)
    return [
        Warning(
            f"Source '{source.name}': {diagnostic.message}",
            hint=diagnostic.hint or None,
            obj=source,
            id="wallboard.W006",
        )
        for diagnostic in check(source.effective_options(), secrets)
    ]
