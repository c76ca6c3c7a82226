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
from .calls import Call, CallSegment
from .displays import Display, PairingCode
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
    "Display",
    "Name",
    "PairingCode",
    "PassThroughTarget",
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
]
