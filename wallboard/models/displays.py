"""The screens on the wall: a registry of connected displays, and pairing codes.

A Display row is kept for every display that connects (a board or rotation page, by the id the
page keeps for its tab) and for every display paired in the admin (which then has a display key
of its own, opening only what it is set to show). The registry's live columns are written by
the websocket consumers of every daphne process (wallboard.displays), so the admin sees all of
them whichever process a screen is connected to.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models

from .boards import Board, Rotation, new_display_key

# Pairing codes: no 0/O, 1/I/L, so a code read off a TV across a room is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_ident() -> str:
    return secrets.token_hex(12)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A code as typed: any case, with or without its dash or spaces."""
    return "".join(c for c in text.upper() if c.isalnum())


class Display(models.Model):
    ident = models.CharField(max_length=32, unique=True, default=new_ident, editable=False)
    name = models.CharField(max_length=100, blank=True, help_text="Where the screen hangs.")
    # What a paired display is set to show (its key opens that and nothing else); for a display
    # opened by a board's or rotation's own URL, what it last opened.
    board = models.ForeignKey(Board, on_delete=models.SET_NULL, null=True, blank=True)
    rotation = models.ForeignKey(Rotation, on_delete=models.SET_NULL, null=True, blank=True)
    display_key = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="A paired display's own key (blank: opened by a board's or rotation's URL).",
    )
    # Live columns, written by the consumers.
    showing = models.CharField(max_length=64, blank=True, help_text="The board on screen.")
    address = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=16, blank=True, help_text="Its display files' version.")
    connection = models.CharField(max_length=32, blank=True, editable=False)
    connected_since = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or f"display {self.ident[:8]}"

    @property
    def paired(self) -> bool:
        return bool(self.display_key)

    def pair(self) -> None:
        self.display_key = new_display_key()

    def clean(self) -> None:
        if self.paired and self.board_id is not None and self.rotation_id is not None:
            raise ValidationError("A paired display shows a board or a rotation, not both.")

    def display_path(self) -> str:
        """A paired display's own page (its board or rotation, whichever it is set to)."""
        return f"/screens/{self.ident}/?key={self.display_key}"


class PairingCode(models.Model):
    """A code an unpaired screen shows until a staff user approves it (or it expires)."""

    code = models.CharField(max_length=CODE_LENGTH, db_index=True)
    # The waiting screen asks with this, never with the code: a code is short enough to guess.
    secret = models.CharField(max_length=64, unique=True)
    address = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    display = models.ForeignKey(Display, on_delete=models.CASCADE, null=True, blank=True)
    approved_by = models.CharField(max_length=150, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return pretty_code(self.code)


def pretty_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"
