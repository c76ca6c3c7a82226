"""manage.py demo: the whole product in one process, fed by simulators of every vendor."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import ipaddress
import logging
import socket
import struct
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ingest.capture import CaptureError, CaptureHeader, CaptureProducer, Read, read_capture
from integrations import simulator, vendor_info
from integrations.simnet import send_as_client
from integrations.simnet import serve as serve_feed
from wallboard import demo
from wallboard.models import Source
from wallboard.oneprocess import serve

log = logging.getLogger("wallboard")


class Command(BaseCommand):
    help = "Run the demo: web server, ingest and simulated feeds of every vendor, in one process."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="web server address; 0.0.0.0 opens the demo to the LAN (a TV in the room), and "
            "the machine's own addresses and name are then admitted as hosts for this run",
        )
        parser.add_argument("--port", type=int, default=8000, help="web server port")
        parser.add_argument(
            "--feed-port-base",
            type=int,
            default=17000,
            help="simulated feeds use base+1..base+6, the simulated recorder base+7 and "
            "AgentServices base+8",
        )
        parser.add_argument(
            "--replay",
            action="append",
            default=[],
            metavar="SOURCE=FILE",
            help="feed the demo source SOURCE (cms-skills, cms-agents, cms-vdns, pbx-1, "
            "optimus-1) from a raw capture instead of its simulator, looped; repeatable (not "
            "aes-1: a CTI session answers the wallboard's requests, which a capture cannot)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("ingest").setLevel(logging.WARNING)
        base = options["feed_port_base"]
        host, port = options["host"], options["port"]
        taken = [(h, p) for h, p in _ports(host, port, base) if not _free(h, p)]
        if taken:
            where = ", ".join(f"{h}:{p}" for h, p in taken)
            raise CommandError(
                f"{where} already in use (another demo running?): pick free ports with "
                f"--port (the web server, now {port}) and --feed-port-base (the simulated "
                f"feeds and services use base+1..base+8, now {base + 1}-{base + 8})"
            )
        replays = _replays(options["replay"], base)
        call_command("migrate", interactive=False, verbosity=0)
        demo.set_up(base)
        for name, (header, _) in replays.items():  # decoded as it was taken (report columns)
            Source.objects.filter(name=name).update(options=header.options)
        url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
        lan = admit_lan_hosts(host)
        also = "".join(f"  On the LAN: http://{name}:{port}/\n" for name in lan[:3])

        def ready() -> None:
            self.stdout.write(
                self.style.SUCCESS("\nThe wallboard demo is running.\n")
                + f"  Boards:  {url}/   (the floor rotation: {url}/rotations/floor/)\n"
                + also
                + f"  Admin:   {url}/admin/\n"
                + f"  Login:   {demo.DEMO_USER} / {demo.DEMO_PASSWORD}\n"
                + "  Feeds:   simulated Avaya CMS, Mitel, Optimus and an Avaya AES (CSTA) on "
                + f"127.0.0.1:{base + 1}-{base + 6}, an Optimus database in "
                + f"{demo.optimus_db_path()}, a call recorder and AgentServices on "
                + f"127.0.0.1:{base + 7}-{base + 8}\n"
                + "Press Ctrl-C to stop.\n"
            )
            sys.stdout.flush()

        feeds = simulators(
            base,
            {name: reads for name, (_, reads) in replays.items()},
            aes_password=demo.aes_password(),
        )
        feeds += [
            optimus_database(),
            recorder(demo.recorder_port(base)),
            agent_services(demo.agent_services_port(base), demo.agent_services_password()),
        ]
        if not serve(host, port, [run_ingest, *feeds], ready):
            raise CommandError("the demo stopped after an error (logged above)")
        self.stdout.write("Stopped.")


def admit_lan_hosts(host: str) -> list[str]:
    """For a demo opened beyond loopback: this machine's addresses and name join
    ALLOWED_HOSTS for this run (a request by them would otherwise get "Bad Request (400)"),
    and are returned, for the URLs to print."""
    if _loopback(host):
        return []
    wildcard = host in ("0.0.0.0", "::")
    names = local_addresses() if wildcard else [host]
    hostname = socket.gethostname()
    hosts = [f"[{a}]" if ":" in a else a for a in names] + ([hostname] if wildcard else [])
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, *hosts]
    log.info("demo: admitting %s as hosts for this run", ", ".join(hosts))
    return [h for h in hosts if h != hostname]


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name
        return host in ("", "localhost")


def local_addresses() -> list[str]:
    """This machine's non-loopback IP addresses (each interface's IPv4 address on Linux, and
    what its host name resolves to)."""
    found: list[str] = []
    siocgifaddr = 0x8915  # Linux: an interface's IPv4 address
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            with contextlib.suppress(OSError):
                packed = struct.pack("256s", name.encode()[:15])
                found.append(socket.inet_ntoa(fcntl.ioctl(s.fileno(), siocgifaddr, packed)[20:24]))
    with contextlib.suppress(OSError):
        found += [str(i[4][0]) for i in socket.getaddrinfo(socket.gethostname(), None)]
    unique = dict.fromkeys(a.split("%")[0] for a in found)
    return [a for a in unique if not ipaddress.ip_address(a).is_loopback]


def _ports(host: str, port: int, base: int) -> list[tuple[str, int]]:
    """The web server's address and the simulated feeds' and recorder's (loopback) ones."""
    feeds = [("127.0.0.1", f.port) for f in demo.feeds(base)]
    services = [demo.recorder_port(base), demo.agent_services_port(base)]
    return [(host, port), *feeds, *(("127.0.0.1", p) for p in services)]


def _free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


async def run_ingest(stop: asyncio.Event) -> None:
    from ingest.runner import run_until

    await run_until(stop)


def _replays(specs: list[str], base: int) -> dict[str, tuple[CaptureHeader, list[Read]]]:
    """--replay SOURCE=FILE: each capture, read and checked against the demo source's vendor."""
    # Not the AES: its session answers the wallboard's requests, which a capture cannot.
    vendors = {f.source: f.vendor for f in demo.feeds(base) if f.vendor != "csta"}
    replays = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        if name not in vendors or not path:
            raise CommandError(
                f"--replay {spec}: give SOURCE=FILE, SOURCE one of {sorted(vendors)}"
            )
        try:
            header, reads = read_capture(path)
        except (OSError, CaptureError) as exc:
            raise CommandError(f"--replay {spec}: {exc}") from exc
        if header.vendor != vendors[name]:
            raise CommandError(
                f"--replay {spec}: a capture of {header.vendor}; {name} is {vendors[name]}"
            )
        replays[name] = (header, reads)
    return replays


def simulators(
    base: int, replays: dict[str, list[Read]] | None = None, *, aes_password: str = ""
) -> list[Any]:
    """The demo's feeds: each source's simulator, or its capture (looped) where one is given.
    `aes_password` is the one stored as the CSTA source's secret: the simulated AES checks it."""
    jobs = []
    replays = replays or {}
    for feed in demo.feeds(base):
        if feed.source in replays:
            producer: Any = CaptureProducer(replays[feed.source], loop=True)
        else:
            extra = {"password": aes_password} if feed.vendor == "csta" else {}
            producer = simulator(feed.vendor).make_producer({**demo.sim_options(feed), **extra})
        if hasattr(producer, "serve"):  # it answers its client: it serves itself

            async def job(
                stop: asyncio.Event, producer: Any = producer, port: int = feed.port
            ) -> None:
                await producer.serve("127.0.0.1", port, stop=stop)

        elif vendor_info(feed.vendor).transport == "listen":  # the phone system dials in

            async def job(
                stop: asyncio.Event, producer: Any = producer, port: int = feed.port
            ) -> None:
                await send_as_client("127.0.0.1", port, producer, stop=stop)

        else:

            async def job(
                stop: asyncio.Event, producer: Any = producer, port: int = feed.port
            ) -> None:
                await serve_feed("127.0.0.1", port, producer, stop=stop)

        jobs.append(job)
    return jobs


def optimus_database() -> Any:
    """The simulated Optimus database: its tables made now (the source's first poll finds
    them), then calls arriving and ending, their recordings and a dialer, until the demo
    stops. Kept between runs, as a real one is (the source goes on from where it read)."""
    from integrations.optimus_db.simulator import OptimusFixture

    fixture = OptimusFixture(f"sqlite:///{demo.optimus_db_path()}")
    _earlier_calls(fixture)
    campaigns = [int(c) for c in demo.DIALER_CAMPAIGNS]
    for target in range(1, 41):  # each campaign's targets, some already dialled
        dials = (target % 3, 0, 0)
        status = 9 if target % 5 == 0 else (2 if any(dials) else 1)
        last = datetime.now(UTC).replace(tzinfo=None) if any(dials) else None
        fixture.dialer_target(target, campaigns[target % 2], status, last, dials)

    async def job(stop: asyncio.Event) -> None:
        halt = threading.Event()
        running = asyncio.ensure_future(
            asyncio.to_thread(
                fixture.run,
                halt,
                seed=7,
                now=lambda: datetime.now(UTC).replace(tzinfo=None),
                recordings=demo.RECORDINGS_FOLDER,
                agents=demo.OPTIMUS_AGENTS,
                first_agent=demo.OPTIMUS_FIRST_AGENT,
            )
        )
        try:
            await stop.wait()
        finally:
            halt.set()
            await running
            fixture.close()

    return job


def _earlier_calls(fixture: Any) -> None:
    """A few calls of the last minutes, recorded, so the call log shows some at once."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    for minutes in (9, 7, 5, 3):
        offered = now - timedelta(minutes=minutes)
        call_id = fixture.call_arrives(offered, queue=10)
        fixture.answered(call_id, offered + timedelta(seconds=8), agent=100)
        fixture.recorded(call_id, f"{demo.RECORDINGS_FOLDER}\\{call_id}.wav")
        fixture.talked_and_ended(call_id, offered + timedelta(seconds=70))


def recorder(port: int) -> Any:
    """The simulated call recorder (a real HTTP server) the demo's Recorder tags calls on."""
    from integrations.recorder_http.simulator import RecorderSimulator

    async def job(stop: asyncio.Event) -> None:
        simulator = RecorderSimulator(port=port, auto_record=True).up()
        try:
            await stop.wait()
        finally:
            simulator.down()

    return job


AGENT_STATE_WORDS = ("READY", "READY", "TALKING", "TALKING", "TALKING", "NOT READY", "WRAP UP")


def agent_services(port: int, password: str) -> Any:
    """The simulated AgentServices.asmx: the Optimus agents' states, moving now and then."""
    import random

    from integrations.optimus_db.simulator import AgentServicesSimulator

    async def job(stop: asyncio.Event) -> None:
        simulator = AgentServicesSimulator(password=password, port=port)
        rng = random.Random(port)
        agents = [str(demo.OPTIMUS_FIRST_AGENT + i) for i in range(demo.OPTIMUS_AGENTS)]
        simulator.states.update({a: rng.choice(AGENT_STATE_WORDS) for a in agents})
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 3.0)
                for agent in rng.sample(agents, 3):
                    simulator.states[agent] = rng.choice(AGENT_STATE_WORDS)
        finally:
            simulator.close()

    return job
