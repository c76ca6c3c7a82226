"""The demo's configuration: simulated sources of every vendor and boards that show them.

Idempotent: running the demo again updates these objects by name and leaves anything else a
user added alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from wallboard.models import (
    Board,
    Recorder,
    Rotation,
    RotationEntry,
    Source,
    Threshold,
    TickerMessage,
    Tile,
)
from wallboard.models.names import Name

DEMO_USER = "demo"
DEMO_PASSWORD = "wallboard-demo"

# The simulated AES: 16 EAS agents at their stations, two skills behind two VDNs.
AES_SOURCE = "aes-1"
AES_USER = "wallboard"
AES_AGENTS = "3101-3116"
AES_STATIONS = "5001-5016"
AES_SPLITS = "301,302"
AES_VDNS = "7001,7002"


# The simulated Optimus database (a SQLite file beside the demo's database) and its dialer.
OPTIMUS_DB_SOURCE = "optimus-db"
OPTIMUS_DB_FILE = "optimus-demo.sqlite3"
DIALER_CAMPAIGNS = {"3": "Renewals", "4": "Win-back"}
DIALER_STATUSES = {"1": "new", "2": "dialled", "9": "done"}
RECORDINGS_FOLDER = r"\\optimus\Recordings"
# The simulated call recorder that tags the AES's calls (a real HTTP server: base + 7).
RECORDER_NAME = "recorder-1"


def recorder_port(base_port: int) -> int:
    return base_port + 7


# The simulated AgentServices.asmx (base + 8): the states of the Optimus agents 5000-5019, the
# same agent IDs the toolbar feed sends, which takes them (its option agent_states_from).
OPTIMUS_FIRST_AGENT = 5000
OPTIMUS_AGENTS = 20


def agent_services_port(base_port: int) -> int:
    return base_port + 8


def agent_services_password() -> str:
    """This run's AgentServices password, as stored in the optimus-db source's secrets."""
    return Source.objects.get(name=OPTIMUS_DB_SOURCE).secret_values()["agent_services_password"]


def optimus_db_path() -> Path:
    """The simulated Optimus database's file: in the folder of the demo's own SQLite database
    (the project folder when the demo runs on another database)."""
    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("sqlite3") and str(default["NAME"]) != ":memory:":
        return Path(default["NAME"]).resolve().parent / OPTIMUS_DB_FILE
    return Path(settings.BASE_DIR) / OPTIMUS_DB_FILE


def optimus_db_options(base_port: int) -> dict[str, Any]:
    path = optimus_db_path()
    services = f"http://127.0.0.1:{agent_services_port(base_port)}/OptimusIntegration"
    return {
        "agent_services_url": f"{services}/AgentServices.asmx",
        "database": f"sqlite:///file:{path}?mode=ro&uri=true",  # read-only, as OPTEXTRNL
        "time_zone": "UTC",
        "recordings": True,
        "dialer_campaigns": DIALER_CAMPAIGNS,
        "dialer_statuses": DIALER_STATUSES,
        "dialer_seconds": 10,
    }


@dataclass(frozen=True)
class DemoFeed:
    source: str
    vendor: str
    layout: str
    port: int
    sim_options: dict[str, Any]


def feeds(base_port: int) -> list[DemoFeed]:
    return [
        DemoFeed("cms-skills", "avaya_cms", "tvi1", base_port + 1, {"skills": 12, "agents": 60}),
        DemoFeed(
            "cms-agents", "avaya_cms", "agent_tv", base_port + 2, {"skills": 12, "agents": 60}
        ),
        DemoFeed("cms-vdns", "avaya_cms", "cvdn", base_port + 3, {"vdns": 6, "agents": 60}),
        DemoFeed("pbx-1", "mitel", "rte", base_port + 4, {"agents": 24, "stats_every": 5}),
        DemoFeed("optimus-1", "optimus", "toolbar", base_port + 5, {"queues": 6, "agents": 20}),
        # A burst a second; about 17 calls a minute for 16 agents keeps a few callers waiting
        # and now and then one giving up, as on a busy floor.
        DemoFeed(
            AES_SOURCE,
            "csta",
            "events",
            base_port + 6,
            {
                "stations": AES_STATIONS,
                "first_agent": int(AES_AGENTS.split("-")[0]),
                "splits": AES_SPLITS,
                "vdns": AES_VDNS,
                "username": AES_USER,
                "rate": 0.28,
                "activity": 0.15,
            },
        ),
    ]


def sim_options(feed: DemoFeed) -> dict[str, Any]:
    interval = {"avaya_cms": 3.0, "mitel": 1.0, "optimus": 5.0, "csta": 1.0}[feed.vendor]
    return {"layout": feed.layout, "seed": feed.port, "interval": interval, **feed.sim_options}


def aes_options() -> dict[str, Any]:
    """The csta source's options: what it monitors. Its password is a secret, kept apart."""
    return {
        "switch_name": "CM1",
        "username": AES_USER,
        "agents": f"{AES_AGENTS}@{AES_STATIONS}",
        "splits": AES_SPLITS,
        "vdns": AES_VDNS,
        "agent_states": "auto",
    }


def aes_password() -> str:
    """The simulated AES's password for this run, as stored in the source's secrets (set_up
    gives it a fresh one each run)."""
    return Source.objects.get(name=AES_SOURCE).secret_values()["password"]


def _tile(board: Board, order: int, kind: str, **fields: Any) -> Tile:
    thresholds = fields.pop("thresholds", {})
    tile, _ = Tile.objects.update_or_create(
        board=board, order=order, defaults={"kind": kind, **fields}
    )
    for kpi, (direction, warning, alarm) in thresholds.items():
        Threshold.objects.update_or_create(
            tile=tile,
            kpi=kpi,
            defaults={"direction": direction, "warning": warning, "alarm": alarm},
        )
    return tile


@transaction.atomic
def set_up(base_port: int) -> dict[str, Source]:
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=DEMO_USER)
    user.is_staff = user.is_superuser = True
    user.set_password(DEMO_PASSWORD)
    user.save()

    sources = {}
    for feed in feeds(base_port):
        address = f"127.0.0.1:{feed.port}"
        listen = feed.vendor == "avaya_cms"
        refresh = {"avaya_cms": 3, "mitel": 15, "optimus": 5, "csta": 10}[feed.vendor]
        extra = {"options": aes_options()} if feed.vendor == "csta" else {}
        if feed.vendor == "optimus":  # its agents' states: from the database source's
            extra = {"options": {"agent_states_from": OPTIMUS_DB_SOURCE}}
        source, _ = Source.objects.update_or_create(
            name=feed.source,
            defaults={
                "vendor": feed.vendor,
                "layout": feed.layout,
                "listen": address if listen else "",
                "connect": "" if listen else address,
                "allowed_peers": "127.0.0.1" if listen else "",
                "refresh_seconds": refresh,
                "enabled": True,
                **extra,
            },
        )
        if feed.vendor == "csta":
            source.set_secrets({"password": secrets.token_urlsafe(18)})
            source.save(update_fields=["secrets"])
        sources[feed.source] = source
    sources[OPTIMUS_DB_SOURCE], _ = Source.objects.update_or_create(
        name=OPTIMUS_DB_SOURCE,
        defaults={
            "vendor": "optimus_db",
            "layout": "stat",
            "listen": "",
            "connect": "",
            "refresh_seconds": 5,
            "enabled": True,
            "options": optimus_db_options(base_port),
        },
    )
    sources[OPTIMUS_DB_SOURCE].set_secrets({"agent_services_password": secrets.token_urlsafe(18)})
    sources[OPTIMUS_DB_SOURCE].save(update_fields=["secrets"])
    recorder, _ = Recorder.objects.update_or_create(
        name=RECORDER_NAME,
        defaults={
            "base_url": f"http://127.0.0.1:{recorder_port(base_port)}",
            "match_key": "extension",
            "enabled": True,
        },
    )
    recorder.sources.set([sources[AES_SOURCE]])

    service, _ = Board.objects.update_or_create(
        slug="service", defaults={"title": "Customer service", "columns": 4, "theme": "dark"}
    )
    skills = sources["cms-skills"]
    _tile(
        service,
        1,
        Tile.BIG_NUMBER,
        title="Calls waiting",
        source=skills,
        queue_range="1-6",
        kpis="calls_waiting",
        thresholds={"calls_waiting": ("above", 5, 10)},
    )
    _tile(
        service,
        2,
        Tile.BIG_NUMBER,
        title="Longest wait",
        source=skills,
        queue_range="1-6",
        kpis="oldest_wait_seconds",
        thresholds={"oldest_wait_seconds": ("above", 60, 120)},
    )
    _tile(
        service,
        3,
        Tile.BIG_NUMBER,
        title="Service level",
        source=skills,
        queue_range="1-6",
        kpis="service_level_pct",
        thresholds={"service_level_pct": ("below", 80, 70)},
    )
    _tile(service, 4, Tile.CLOCK, title="Time")
    _tile(
        service,
        5,
        Tile.QUEUE_TABLE,
        title="Skills",
        source=skills,
        width=2,
        height=2,
        kpis="calls_waiting, oldest_wait_seconds, service_level_pct, service_level_today, "
        "agents_available",
        thresholds={
            "calls_waiting": ("above", 5, 10),
            "service_level_pct": ("below", 80, 70),
            "service_level_today": ("below", 80, 70),
        },
    )
    _tile(
        service,
        6,
        Tile.AGENT_GRID,
        title="Agents",
        source=sources["cms-agents"],
        width=2,
        height=2,
        thresholds={
            "time_in_not_ready": ("above", 300, 600),
            "time_in_wrap_up": ("above", 120, 300),
        },
    )
    _tile(service, 7, Tile.TICKER, title="Messages", width=4)
    TickerMessage.objects.get_or_create(
        board=service,
        text="Welcome to the wallboard demo: every number here comes from a "
        "simulated Avaya CMS, Mitel or Optimus feed over TCP.",
    )

    mitel, _ = Board.objects.update_or_create(
        slug="mitel", defaults={"title": "Mitel ACD groups", "columns": 3, "theme": "dark"}
    )
    pbx = sources["pbx-1"]
    _tile(
        mitel,
        1,
        Tile.QUEUE_KPI,
        title="All groups",
        source=pbx,
        queue_kind="group",
        kpis="calls_waiting, oldest_wait_seconds, agents_staffed",
        thresholds={"calls_waiting": ("above", 3, 6)},
    )
    _tile(
        mitel,
        2,
        Tile.QUEUE_TABLE,
        title="Groups and paths",
        source=pbx,
        width=2,
        kpis="calls_waiting, oldest_wait_seconds, agents_staffed",
    )
    _tile(
        mitel,
        3,
        Tile.AGENT_GRID,
        title="Agents",
        source=pbx,
        width=3,
        height=2,
        thresholds={"time_in_not_ready": ("above", 120, 300)},
    )
    _tile(
        mitel,
        4,
        "leaderboard",
        title="Most talk time today",
        source=pbx,
        width=3,
        kpis="agent_talk_today",
    )

    optimus, _ = Board.objects.update_or_create(
        slug="optimus", defaults={"title": "Optimus queues", "columns": 3, "theme": "light"}
    )
    opt = sources["optimus-1"]
    _tile(
        optimus,
        1,
        Tile.BIG_NUMBER,
        title="Calls waiting",
        source=opt,
        kpis="calls_waiting",
        thresholds={"calls_waiting": ("above", 8, 15)},
    )
    _tile(
        optimus,
        2,
        Tile.QUEUE_KPI,
        title="Today",
        source=opt,
        kpis="offered_today, answered_today, abandoned_today, abandon_pct",
    )
    _tile(optimus, 3, Tile.CLOCK, title="Time")
    _tile(
        optimus,
        4,
        Tile.QUEUE_TABLE,
        title="Queues",
        source=opt,
        width=3,
        height=2,
        kpis="calls_waiting, oldest_wait_seconds, offered, answered, abandoned",
    )

    _tile(
        optimus,
        5,
        "dialer_campaigns",
        title="Dialer campaigns",
        source=sources[OPTIMUS_DB_SOURCE],
        width=3,
    )
    _tile(  # their states come from the database source's AgentServices (agent_states_from)
        optimus,
        6,
        Tile.AGENT_GRID,
        title="Agents",
        source=opt,
        width=3,
    )

    calls = _calls_board(sources[AES_SOURCE])

    rotation, _ = Rotation.objects.get_or_create(slug="floor", defaults={"name": "Floor rotation"})
    rotated = [(service, 30), (mitel, 20), (optimus, 20), (calls, 20)]
    for order, (board, seconds) in enumerate(rotated):
        RotationEntry.objects.update_or_create(
            rotation=rotation, order=order, defaults={"board": board, "seconds": seconds}
        )
    _names(sources)
    return sources


def _calls_board(aes: Source) -> Board:
    """Single calls from the CTI link: who waits, who gave up, each agent's call, and the
    figures the call ledger works out from the calls themselves."""
    calls, _ = Board.objects.update_or_create(
        slug="calls", defaults={"title": "Calls", "columns": 4, "theme": "dark"}
    )
    _tile(
        calls,
        1,
        Tile.QUEUE_KPI,
        title="Skills now",
        source=aes,
        queue_kind="skill",
        kpis="calls_waiting, oldest_wait_seconds",
        thresholds={"calls_waiting": ("above", 3, 6), "oldest_wait_seconds": ("above", 30, 60)},
    )
    _tile(
        calls,
        2,
        Tile.QUEUE_KPI,
        # The ledger counts a call in the queue it was first offered to: its VDN.
        title="VDNs, last 60 min",
        source=aes,
        queue_kind="vdn",
        kpis="offered_60m, answered_60m, abandon_pct_60m, service_level_60m",
        thresholds={"service_level_60m": ("below", 80, 70), "abandon_pct_60m": ("above", 10, 20)},
    )
    _tile(calls, 3, Tile.CLOCK, title="Time")
    _tile(
        calls,
        4,
        "waiting_callers",
        title="Waiting callers",
        source=aes,
        height=2,
    )
    _tile(
        calls,
        5,
        Tile.AGENT_GRID,
        title="Agents",
        source=aes,
        width=2,
        height=2,
        thresholds={"time_in_not_ready": ("above", 120, 300)},
    )
    _tile(calls, 6, "recent_abandoned", title="Recently abandoned", source=aes, height=2)
    return calls


# The demo's names directory: what a site's PBX admin would import (Names → Import CSV).
DEMO_NAMES: list[tuple[str | None, str, str, str, bool]] = [
    # (source or None for every source, kind, number, name, overrides the feed's own name)
    *[(None, "skill", str(n), name, False) for n, name in enumerate(
        ("Sales", "Support", "Billing", "Renewals", "Priority", "Spanish"), start=1)],
    ("pbx-1", "group", "610", "Front desk", False),
    ("pbx-1", "group", "611", "Claims", False),
    ("pbx-1", "group", "612", "Escalations", False),
    ("pbx-1", "path", "860", "Main line", False),
    ("pbx-1", "path", "861", "Claims line", False),
    *[("pbx-1", "agent", str(6101 + i), name, False) for i, name in enumerate(
        ("Noor Haddad", "Tom Becker", "Lina Sato", "Omar Diaz", "Jo Walsh", "Ravi Iyer"))],
    ("optimus-1", "queue", "100", "Switchboard", True),  # wins over the feed's own name
    (AES_SOURCE, "vdn", "7001", "Main number", False),
    (AES_SOURCE, "vdn", "7002", "Orders line", False),
    (AES_SOURCE, "skill", "301", "Customer care", False),
    (AES_SOURCE, "skill", "302", "Orders", False),
    *[(AES_SOURCE, "agent", str(3101 + i), name, False) for i, name in enumerate(
        ("Ana Costa", "Ben Okafor", "Chloe Martin", "Dev Patel", "Elif Yilmaz", "Finn Murphy",
         "Grace Liu", "Hugo Lambert", "Ines Alves", "Jonas Weber", "Kira Novak", "Leo Rossi",
         "Maya Cohen", "Nils Berg", "Olivia Grant", "Pavel Horak"))],
    *[(None, "reason", str(n), name, False) for n, name in enumerate(
        ("Break", "Lunch", "Meeting", "Training", "Coaching", "Admin", "Outbound",
         "Technical issue", "Personal"), start=1)],
]  # fmt: skip


def _names(sources: dict[str, Source]) -> None:
    for source, kind, number, name, override in DEMO_NAMES:
        Name.objects.update_or_create(
            source=sources[source] if source else None,
            kind=kind,
            number=number,
            defaults={"name": name, "override": override},
        )
