from .access import ApiToken
from .boards import (
    KPIS,
    Board,
    BoardState,
    PriorityMessage,
    Rotation,
    RotationEntry,
    Threshold,
    TickerMessage,
    Tile,
    TileAck,
)
from .calls import Call, CallSegment
from .intervals import INTERVAL_SECONDS, AgentInterval, QueueInterval
from .live import Agent, Queue
from .names import Name
from .service import QueueSettings
from .sources import PassThroughTarget, Source, SourceHealth

__all__ = [
    "INTERVAL_SECONDS",
    "KPIS",
    "Agent",
    "AgentInterval",
    "ApiToken",
    "Board",
    "BoardState",
    "Call",
    "CallSegment",
    "Name",
    "PassThroughTarget",
    "PriorityMessage",
    "Queue",
    "QueueInterval",
    "QueueSettings",
    "Rotation",
    "RotationEntry",
    "Source",
    "SourceHealth",
    "Threshold",
    "TickerMessage",
    "Tile",
    "TileAck",
]
