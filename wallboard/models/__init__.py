from .access import ApiToken
from .actions import AgentAction
from .alerts import Alert, AlertChannel, AlertCondition, AlertDelivery, AlertRule
from .boards import (
    KPIS,
    Board,
    BoardState,
    BoardUpdate,
    PriorityMessage,
    Rotation,
    RotationEntry,
    Threshold,
    TickerMessage,
    Tile,
    TileAck,
)
from .calls import Call, CallSegment
from .captures import SourceCapture
from .displays import Display, PairingCode
from .intervals import INTERVAL_SECONDS, AgentInterval, QueueInterval
from .live import Agent, Queue
from .names import Name
from .recordings import Recorder, RecordingTag
from .screenpops import ScreenPop, ScreenPopReceiver
from .service import QueueSettings
from .sources import PassThroughTarget, Source, SourceHealth, SourcePosition

__all__ = [
    "INTERVAL_SECONDS",
    "KPIS",
    "Agent",
    "AgentAction",
    "AgentInterval",
    "Alert",
    "AlertChannel",
    "AlertCondition",
    "AlertDelivery",
    "AlertRule",
    "ApiToken",
    "Board",
    "BoardState",
    "BoardUpdate",
    "Call",
    "CallSegment",
    "Display",
    "Name",
    "PairingCode",
    "PassThroughTarget",
    "PriorityMessage",
    "Queue",
    "QueueInterval",
    "QueueSettings",
    "Recorder",
    "RecordingTag",
    "Rotation",
    "RotationEntry",
    "ScreenPop",
    "ScreenPopReceiver",
    "Source",
    "SourceCapture",
    "SourceHealth",
    "SourcePosition",
    "Threshold",
    "TickerMessage",
    "Tile",
    "TileAck",
]
