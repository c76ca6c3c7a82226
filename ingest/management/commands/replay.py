"""manage.py replay FILE: a raw capture (admin: a source's captures) through a source's decoder,
or played to a port at its recorded pace, so a running ingest receives it."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ingest.capture import CaptureError, CaptureHeader, CaptureProducer, Read, decode, read_capture
from integrations import VENDORS, integration
from integrations.simnet import write_chunks
from wallboard.lib.addresses import AddressError, parse_address

SHOWN = 20  # rows of each kind printed (all of them with --json)


class Command(BaseCommand):
    help = (
        "Replay a raw capture: through a source's decoder (prints batches, records, errors and "
        "the rows it would store), or with --to/--listen played to a port at its recorded pace."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="a capture file (.wbcap), as downloaded from the admin")
        parser.add_argument(
            "--source",
            help="decode with this source's vendor, layout, options and ID ranges "
            "(default: the vendor, layout and options the capture was taken with)",
        )
        parser.add_argument(
            "--speed", type=float, default=1.0, help="pace when playing: 2 plays twice as fast"
        )
        parser.add_argument(
            "--to",
            metavar="HOST:PORT",
            help="connect to HOST:PORT and play the bytes there "
            "(a listening source: what the phone system would send)",
        )
        parser.add_argument(
            "--listen",
            metavar="HOST:PORT",
            help="wait for one connection on HOST:PORT and play "
            "the bytes to it (a connecting source dials here, as it would the phone system)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            header, reads = read_capture(options["file"])
        except (OSError, CaptureError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        if options["speed"] <= 0:
            raise CommandError("--speed must be more than 0")
        if options["to"] or options["listen"]:
            self._play(reads, options)
            return
        vendor, layout, settings = self._decoder_settings(header, options["source"])
        module = integration(vendor)
        replayed = decode(
            reads,
            lambda: module.make_decoder(layout, settings["options"]),
            module.VENDOR.missing_batches_before_gone,
            settings["queue_range"],
            settings["agent_range"],
        )
        queues = [asdict(q) for q in replayed.live.queues.values()]
        agents = [asdict(a) for a in replayed.live.agents.values()]
        summary = {
            "source": settings["name"],
            "vendor": vendor,
            "layout": layout,
            "reads": sum(1 for r in reads if r.data),
            "bytes": sum(len(r.data) for r in reads),
            "connections": replayed.connections,
            "batches": replayed.batches,
            "records": replayed.records,
            "errors": replayed.error_count,
            "first_errors": replayed.errors,
        }
        if options["json"]:
            self.stdout.write(
                json.dumps({**summary, "queues": queues, "agents": agents}, default=str)
            )
            return
        self._print(header, reads, summary, queues, agents)

    def _decoder_settings(
        self, header: CaptureHeader, source_name: str | None
    ) -> tuple[str, str, dict[str, Any]]:
        if source_name is None:
            if header.vendor not in VENDORS:
                raise CommandError(f"the capture's vendor {header.vendor!r} is not known here")
            return (
                header.vendor,
                header.layout,
                {
                    "name": header.source,
                    "options": header.options,
                    "queue_range": "",
                    "agent_range": "",
                },
            )
        from wallboard.models import Source

        source = Source.objects.filter(name=source_name).first()
        if source is None:
            raise CommandError(f"no source named {source_name!r}")
        if source.vendor != header.vendor:
            raise CommandError(
                f"the capture is of {header.vendor}; source {source.name} is {source.vendor}"
            )
        return (
            source.vendor,
            source.layout or header.layout,
            {
                "name": source.name,
                "options": source.options or {},
                "queue_range": source.queue_range,
                "agent_range": source.agent_range,
            },
        )

    def _print(
        self,
        header: CaptureHeader,
        reads: list[Read],
        summary: dict[str, Any],
        queues: list[dict[str, Any]],
        agents: list[dict[str, Any]],
    ) -> None:
        span = reads[-1].at - reads[0].at if reads else 0.0
        out = self.stdout.write
        out(
            f"capture of {header.source} ({header.vendor} {header.layout}): {summary['reads']} "
            f"reads, {summary['bytes']} bytes over {span:.1f} s, {summary['connections']} "
            f"connection(s)"
        )
        out(
            f"decoded as {summary['source']} ({summary['vendor']} {summary['layout']}): "
            f"{summary['batches']} batches, {summary['records']} records, "
            f"{summary['errors']} errors"
        )
        for error in summary["first_errors"][:SHOWN]:
            out(f"  error: {error}")
        out(f"would store {len(queues)} queues and {len(agents)} agents")
        for q in queues[:SHOWN]:
            figures = " ".join(
                f"{k}={v}"
                for k, v in q.items()
                if k not in ("kind", "number", "extra") and v not in (None, "", {})
            )
            out(f"  {q['kind']} {q['number']}: {figures}")
        for a in agents[:SHOWN]:
            out(
                f"  agent {a['agent_id']}: {a['state']} ({a['vendor_state'] or '-'})"
                + (f" reason {a['reason_code']}" if a["reason_code"] else "")
            )
        if len(queues) > SHOWN or len(agents) > SHOWN:
            out(f"(the first {SHOWN} of each; --json gives them all)")

    def _play(self, reads: list[Read], options: dict[str, Any]) -> None:
        try:
            host, port = parse_address(options["to"] or options["listen"])
        except AddressError as exc:
            raise CommandError(str(exc)) from exc
        producer = CaptureProducer(reads, options["speed"])
        count = len(producer.reads)
        try:
            if options["to"]:
                asyncio.run(_play_to(host, port, producer, count))
            else:
                asyncio.run(_play_listening(host, port, producer, count, self.stdout.write))
        except OSError as exc:
            raise CommandError(f"{host}:{port}: {exc}") from exc
        self.stdout.write(f"played {count} reads to {host}:{port}")


async def _play_to(host: str, port: int, producer: CaptureProducer, count: int) -> None:
    _, writer = await asyncio.open_connection(host, port)
    try:
        await write_chunks(writer, producer, count=count)
        await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def _play_listening(
    host: str, port: int, producer: CaptureProducer, count: int, say: Any
) -> None:
    played: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def on_connect(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if played.done():
            writer.close()
            return
        try:
            await write_chunks(writer, producer, count=count)
            await writer.drain()
        finally:
            writer.close()
            if not played.done():
                played.set_result(None)

    server = await asyncio.start_server(on_connect, host, port)
    say(f"waiting for a connection on {host}:{port} ...")
    try:
        await played
    finally:
        server.close()
