"""API tokens: made in the admin, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    name = models.CharField(max_length=100, help_text="Who or what uses it, e.g. WFM export.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text="Optional: the person responsible for this token.",
    )
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def issue(self) -> str:
        """Set a fresh secret and return it; only its hash is kept, so show it now or never."""
        token = "wb_" + secrets.token_urlsafe(30)
        self.prefix = token[3:9]
        self.key_hash = hash_token(token)
        return token

    @classmethod
    def lookup(cls, token: str) -> ApiToken | None:
        """The enabled token with this secret. A token made for a person works only while that
        person is an active staff user: deactivating them or taking staff away stops it."""
        token_row = (
            cls.objects.select_related("user")
            .filter(key_hash=hash_token(token), enabled=True)
            .first()
        )
        if token_row is None:
            return None
        user = token_row.user
        if user is not None and not (user.is_active and user.is_staff):
            return None
        return token_row
