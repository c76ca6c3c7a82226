"""manage.py benchmark ingest|mitel|push|intervals: print speed figures (see README, "Figures")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from wallboard.dbcheck import ensure_migrated


class Command(BaseCommand):
    help = "Print speed figures: ingest (parse+diff, persist), mitel (events/s), push (latency)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("what", choices=["ingest", "mitel", "push", "intervals"])
        parser.add_argument("--skills", type=int, default=3000)
        parser.add_argument("--agents", type=int, default=30000)
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument("--clients", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        from ingest import benchmarks

        out = self.stdout.write
        if options["what"] == "ingest":
            benchmarks.ingest_figures(options["skills"], options["agents"], options["rounds"], out)
            ensure_migrated()
            benchmarks.persist_figures(options["agents"], 0.10, options["rounds"], out)
        elif options["what"] == "intervals":
            benchmarks.interval_figures(options["agents"], options["rounds"], out)
        elif options["what"] == "mitel":
            benchmarks.mitel_figures(options["events"], options["agents"], out)
        else:
            from ingest.pushbench import push_figures

            ensure_migrated()
            push_figures(options["clients"], options["agents"], options["rounds"], out)
