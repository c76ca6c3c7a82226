"""manage.py simulate VENDOR: play a phone system's feed as a real TCP peer.

manage.py simulate avaya-cms --connect 127.0.0.1:7001 --layout agent_tv --agents 300
manage.py simulate mitel --listen 127.0.0.1:15373
manage.py simulate optimus --listen 0.0.0.0:5501
manage.py simulate csta --listen 127.0.0.1:4721 --no-agent-events
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations import VENDORS, integration, simulator
from integrations.simnet import send_as_client, serve
from wallboard.lib.addresses import AddressError, parse_address


def vendor_key(name: str) -> str:
    return name.replace("-", "_")


class Command(BaseCommand):
    help = "Simulate a vendor's real-time feed over TCP (for trials, tests and benchmarks)."

    def add_arguments(self, parser: Any) -> None:
        subparsers = parser.add_subparsers(dest="vendor", required=True, metavar="VENDOR")
        for key in VENDORS:
            module = simulator(key)
            sub = subparsers.add_parser(
                key.replace("_", "-"),
                aliases=[key] if "_" in key else [],
                help=integration(key).VENDOR.label,
                called_from_command_line=getattr(parser, "called_from_command_line", None),
            )
            where = sub.add_mutually_exclusive_group()
            where.add_argument("--connect", metavar="HOST:PORT", help="connect to the wallboard")
            where.add_argument("--listen", metavar="HOST:PORT", help="let the wallboard connect")
            sub.add_argument("--interval", type=float, help="seconds between batches")
            sub.add_argument("--count", type=int, help="stop after N batches (default: run on)")
            sub.add_argument("--fragment", action="store_true", help="cut records across segments")
            sub.add_argument("--coalesce", action="store_true", help="two batches per segment")
            module.add_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        key = vendor_key(options["vendor"])
        module = simulator(key)
        mode = module.MODE
        connect: str | None = options.get("connect")
        listen: str | None = options.get("listen")
        address = connect or listen
        if not address:
            address = f"127.0.0.1:{integration(key).VENDOR.default_port}"
            if mode == "listen":
                listen = address
            else:
                connect = address
        if connect and mode == "listen":
            raise CommandError(f"The {key} device is a server: use --listen.")
        if listen and mode == "connect":
            raise CommandError(f"The {key} device connects to the wallboard: use --connect.")
        try:
            host, port = parse_address(address, default_host="127.0.0.1")
        except AddressError as exc:
            raise CommandError(str(exc)) from exc
        producer = module.make_producer(options)
        asyncio.run(self._run(host, port, producer, bool(listen), options))

    async def _run(
        self, host: str, port: int, producer: Any, listen: bool, options: dict[str, Any]
    ) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if listen and hasattr(producer, "serve"):
            # A device that answers its client (a CTI server's session, requests) serves itself.
            self.stdout.write(f"Simulating {options['vendor']} as a server on {host}:{port}")
            await producer.serve(host, port, stop=stop)
        elif listen:
            self.stdout.write(f"Simulating {options['vendor']} as a server on {host}:{port}")
            await serve(
                host,
                port,
                producer,
                fragment=options["fragment"],
                coalesce=options["coalesce"],
                stop=stop,
            )
        else:
            self.stdout.write(f"Simulating {options['vendor']}, sending to {host}:{port}")
            await send_as_client(
                host,
                port,
                producer,
                count=options.get("count"),
                fragment=options["fragment"],
                coalesce=options["coalesce"],
                stop=stop,
            )
