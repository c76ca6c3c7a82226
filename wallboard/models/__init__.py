from .access import ApiToken
from .boards import (
    KPIS,
    Board,
    BoardState,
    Rotation,
    RotationEntry,
    Threshold,
    TickerMessage,
    Tile,
)
from .live import Agent, Queue
from .sources import PassThroughTarget, Source, SourceHealth

__all__ = [
    "KPIS",
    "Agent",
    "ApiToken",
    "Board",
    "BoardState",
    "PassThroughTarget",
    "Queue",
    "Rotation",
    "RotationEntry",
    "Source",
    "SourceHealth",
    "Threshold",
    "TickerMessage",
    "Tile",
]
