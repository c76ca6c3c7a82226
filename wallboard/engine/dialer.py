"""The dialer campaigns tile: each campaign's progress as its feed reports it (a row whose
`extra["dialer"]` holds its targets by status, the dials made and the last dial). Queue tiles
leave these rows out (TileRuntime.wants_queue); this tile takes only them."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.base import QueueRow

from .tiles import TileRuntime, Value

DIALER = "dialer"  # the key of a campaign row's progress in its extra


def is_campaign(row: QueueRow) -> bool:
    return bool(row.extra) and DIALER in row.extra


@dataclass(slots=True, eq=False)
class DialerCampaignsTile(TileRuntime):
    def wants_queue(self, row: QueueRow) -> bool:
        return is_campaign(row) and row.number in self.queue_range

    def figures(self, value: Value) -> None:
        order = sorted(self.queues, key=lambda k: (k[0], k[2]))
        names = dict(zip(order, self.queue_names(order), strict=True))
        rows = []
        for key in order:
            progress = self.queues[key].extra.get(DIALER) or {}
            targets = progress.get("targets") or {}
            rows.append(
                {
                    "key": f"{key[0]} {key[2]}",
                    "name": names[key],
                    "targets": {str(k): v for k, v in targets.items()},
                    "total": sum(v for v in targets.values() if isinstance(v, int)),
                    "dials": progress.get("dials"),
                    "last_dial": progress.get("last_dial"),
                }
            )
        value["rows"] = rows
