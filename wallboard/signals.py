"""Revoke displays at once when a board's display key changes (see consumers)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models.signals import pre_save
from django.dispatch import receiver

from wallboard.messages import board_group, key_revoked
from wallboard.models import Board, Rotation


@receiver(pre_save, sender=Board)
@receiver(pre_save, sender=Rotation)
def revoke_old_display_key(
    sender: type[Board] | type[Rotation], instance: Board | Rotation, **kwargs: Any
) -> None:
    if not instance.pk:
        return
    old = sender.objects.filter(pk=instance.pk).values_list("display_key", flat=True).first()
    if old and old != instance.display_key:
        layer = get_channel_layer()
        if layer is None:
            return
        if isinstance(instance, Board):
            groups = [board_group(instance.pk)]
        else:
            groups = [board_group(e.board_id) for e in instance.entries.all()]
        for group in groups:
            async_to_sync(layer.group_send)(group, key_revoked(old))
