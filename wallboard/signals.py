"""Revoke displays at once when a board's (or rotation's) display key changes (see consumers).

The revocation is sent once the save has committed: a display connecting meanwhile reads the
old key, but joined its board's group before it read it, so the message reaches it. A channel
layer that is down does not fail the save: the new key stands, the failure is logged, and each
display still on the old key is closed at its next key check (on its ping, within a minute).
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from wallboard.messages import board_group, key_revoked
from wallboard.models import Board, Rotation, ScreenPopReceiver, Source

log = logging.getLogger(__name__)


def send_revocation(groups: list[str], old: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, key_revoked(old))
        except Exception as exc:  # the key is changed all the same; key checks close the rest
            log.error("cannot tell the displays of %s their key was revoked: %s", group, exc)


@receiver(pre_save, sender=Board)
@receiver(pre_save, sender=Rotation)
def revoke_old_display_key(
    sender: type[Board] | type[Rotation], instance: Board | Rotation, **kwargs: Any
) -> None:
    if not instance.pk:
        return
    old = sender.objects.filter(pk=instance.pk).values_list("display_key", flat=True).first()
    if old and old != instance.display_key:
        if isinstance(instance, Board):
            groups = [board_group(instance.pk)]
        else:
            groups = [board_group(e.board_id) for e in instance.entries.all()]
        transaction.on_commit(lambda: send_revocation(groups, old))


@receiver(post_save, sender=Source)
def make_screen_pop_receiver(sender: type[Source], instance: Source, **kwargs: Any) -> None:
    """A source that takes screen pops gets its receiver (its URL's key) when saved so."""
    options = instance.options if isinstance(instance.options, dict) else {}
    if options.get("screen_pop") is True:
        ScreenPopReceiver.objects.get_or_create(source=instance)
