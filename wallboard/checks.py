"""System checks: configuration mistakes surface at start-up (`manage.py check`, runingest)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register
from django.core.exceptions import ValidationError
from django.db import DatabaseError


@register("wallboard")
def check_sources(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from wallboard.models import Source

    try:
        sources = list(Source.objects.filter(enabled=True))
    except DatabaseError:  # not migrated yet: nothing configured to check
        return []
    errors: list[Error] = []
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
    return errors
