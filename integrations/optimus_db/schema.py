"""The part of Optimus' database this source reads, as SQLAlchemy Core tables, from the
column lists of the Aspire Optimus Integration and APIs Guide (section 5.3 and 5.4).

Production reads these on SQL Server (schemas `Stat` and `BI`). The tests and the simulator
build the same tables on SQLite or PostgreSQL: on SQLite, which has no schemas, the schema
names are translated away (`SCHEMA_TRANSLATE`). The guide's BI *functions* (GetAllQueues,
GetAllQueuesAgents) are tables of the same name and columns in the fixture.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
)

STAT: Final = "Stat"
BI: Final = "BI"
CONFIGURATION: Final = "Configuration"
SCHEMAS: Final = (STAT, BI, CONFIGURATION)
# SQLite has no schemas: the fixture's tables live in the one database file.
SCHEMA_TRANSLATE: Final = {STAT: None, BI: None, CONFIGURATION: None}

metadata = MetaData()


def _stamps() -> list[Column[object]]:
    """The time columns every Stat.* quarter-hour table starts with."""
    return [
        Column("CalcTS", DateTime),
        Column("TheDate", DateTime, primary_key=True),
        Column("TheMonth", String(7)),
        Column("TheWeek", String(11)),
        Column("TheDay", String(10)),
        Column("TheHour", String(5)),
    ]


calls_stat = Table(
    "CallsStat",
    metadata,
    Column("CallID", Integer, primary_key=True, autoincrement=False),
    Column("CallType", SmallInteger),
    Column("DNIS", SmallInteger),
    Column("CLID", String(100)),
    Column("OfferedTS", DateTime),
    Column("FirstQueuedTS", DateTime),
    Column("AnsweredTS", DateTime),
    Column("AbandonedTS", DateTime),
    Column("Transferred2ExtTS", DateTime),
    Column("EndedTS", DateTime),
    Column("InitialQueue", SmallInteger),
    Column("QueueHops", SmallInteger),
    Column("Agent", SmallInteger),
    Column("AgentExtension", SmallInteger),
    Column("HandledOnQueue", SmallInteger),
    Column("TransferDestination", String(100)),
    Column("EndType", SmallInteger),
    Column("AgentHops", SmallInteger),
    Column("Adata1", String(100)),
    Column("Adata2", String(100)),
    Column("Router", SmallInteger),
    schema=STAT,
)

DEVICE_FIGURES: Final = (
    "Offered",
    "Answered",
    "Abandoned",
    "ABDRinging",
    "OverflowedQueue",
    "OverflowedTime",
    "OverflowedLogin",
    "Backflowed",
    "Inflowed",
    "Tran2Def",
    "RetFromAgent",
    "OfferedCB",
    "EndedInIVR",
    "MinAnswerTime",
    "SumAnswerTime",
    "MaxAnswerTime",
    "MinAbdTime",
    "SumAbdTime",
    "MaxAbdTime",
    "MinRingTime",
    "SumRingTime",
    "MaxRingTime",
    "MinTalkTime",
    "SumTalkTime",
    "MaxTalkTime",
    "HoldCount",
    "MinHoldTime",
    "SumHoldTime",
    "MaxHoldTime",
    "MinACWTime",
    "SumACWTime",
    "MaxACWTime",
    "LoginCount",
    "SumLoginTime",
    "SumReadyTime",
    "SumNotReadyTime",
)
device_stat = Table(
    "DeviceStat",
    metadata,
    *_stamps(),
    Column("DeviceCode", SmallInteger, primary_key=True, autoincrement=False),
    Column("DeviceType", SmallInteger, primary_key=True, autoincrement=False),
    *(Column(name, Integer) for name in DEVICE_FIGURES),
    schema=STAT,
)

device_times = Table(
    "DeviceTimes",
    metadata,
    *_stamps(),
    Column("DeviceCode", SmallInteger, primary_key=True, autoincrement=False),
    Column("DeviceType", SmallInteger, primary_key=True, autoincrement=False),
    Column("TimeType", SmallInteger, primary_key=True, autoincrement=False),
    Column("TimeFrame", SmallInteger, primary_key=True, autoincrement=False),
    Column("Amount", Integer),
    schema=STAT,
)

AGENT_FIGURES: Final = (
    "LoginTime",
    "ReadyTime",
    "NotReadyTime",
    "IdleTime",
    "ACDOffered",
    "ACDAnswered",
    "ACDRecalled",
    "ACDAbdRinging",
    "IntDialed",
    "IntAnsweredTo",
    "ExtDialed",
    "ExtAnsweredTo",
    "InOffered",
    "InAnswered",
    "InAbandoned",
    "ExOffered",
    "ExAnswered",
    "ExAbandoned",
    "HoldCount",
    "SumHoldTime",
    "SumACDCallsTalkTime",
    "SumInIntCallsTalkTime",
    "SumInExtCallsTalkTime",
    "SumOutIntCallsTalkTime",
    "SumOutExtCallsTalkTime",
    "SumRingTime",
    "SumACWTime",
)
agent_stat = Table(
    "AgentStat",
    metadata,
    *_stamps(),
    Column("UserCode", SmallInteger, primary_key=True, autoincrement=False),
    *(Column(name, Integer) for name in AGENT_FIGURES),
    schema=STAT,
)

agent_activity_stat = Table(
    "AgentActivityStat",
    metadata,
    *_stamps(),
    Column("UserCode", SmallInteger, primary_key=True, autoincrement=False),
    Column("ActivityCode", SmallInteger, primary_key=True, autoincrement=False),
    Column("ActivityTime", Integer),
    schema=STAT,
)

# BI.GetAllQueues() and BI.GetAllQueuesAgents(): functions on SQL Server, tables in the fixture.
all_queues = Table(
    "GetAllQueues",
    metadata,
    Column("Code", Integer, primary_key=True, autoincrement=False),
    Column("Description", String(50)),
    schema=BI,
)
all_queues_agents = Table(
    "GetAllQueuesAgents",
    metadata,
    Column("QueueCode", Integer, primary_key=True, autoincrement=False),
    Column("UserCode", Integer, primary_key=True, autoincrement=False),
    schema=BI,
)

# bi.GetDialerTargetsByStatus(@CampaignID, @FromTS, @TillTS, @Status): a function on SQL
# Server (its parameters are not columns there); in the fixture a table holding every target
# with its campaign and status as columns.
dialer_targets = Table(
    "GetDialerTargetsByStatus",
    metadata,
    Column("Target_ID", Integer, primary_key=True, autoincrement=False),
    Column("CampaignID", Integer),  # (the fixture's: the function's parameter)
    Column("Status", Integer),  # (the fixture's: the function's parameter)
    Column("Last_Call_TS", DateTime),
    Column("Next_Call_TS", DateTime),
    Column("Next_Phone", SmallInteger),
    Column("Call_Me", SmallInteger),
    Column("Phone_I", String(20)),
    Column("Phone_II", String(20)),
    Column("Phone_III", String(20)),
    Column("Data_I", String(50)),
    Column("Data_II", String(50)),
    Column("Data_III", String(50)),
    Column("First_Name", String(50)),
    Column("Last_Name", String(50)),
    Column("Phone_I_Counter", Integer),
    Column("Phone_II_Counter", Integer),
    Column("Phone_III_Counter", Integer),
    schema=BI,
)

# DeviceType values (Stat.DeviceStat, Stat.DeviceTimes).
DEVICE_DNIS: Final = 2
DEVICE_QUEUE: Final = 3
# TimeType values of Stat.DeviceTimes this source reads.
QUEUE_ANSWERED_WAIT: Final = 12
QUEUE_ABANDONED_WAIT: Final = 13


# The recording module's functions (guide section 7): Configuration.GetCallRecordingFile(CallID)
# (a scalar: the file's full path) and Stat.GetAllRecordings(FromTS, TillTS, CLID) (CallID,
# Recfile). Functions on SQL Server; in the fixture, tables of the same name, the second with
# the CLID and time it is filtered by (recordings.py reads either).
call_recording_file = Table(
    "GetCallRecordingFile",
    metadata,
    Column("CallID", Integer, primary_key=True, autoincrement=False),
    Column("Recfile", String(400)),
    schema=CONFIGURATION,
)
all_recordings = Table(
    "GetAllRecordings",
    metadata,
    Column("CallID", Integer, primary_key=True, autoincrement=False),
    Column("Recfile", String(200)),
    Column("CLID", String(20)),
    Column("TS", DateTime),
    schema=STAT,
)
