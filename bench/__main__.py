"""`./dev benchmark ingest|mitel|csta|push|push-calls|intervals|calls|soak [options]`
(`python -m bench`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="./dev benchmark",
        description="Print speed figures: ingest (parse+diff, persist), mitel (events/s), "
        "csta (events/s), push (latency), push-calls (a CSTA call step to its tiles, latency), "
        "intervals (interval accounting), calls (CSTA events "
        "through framing, parsing and the call ledger, events/s), soak (runingest at the "
        "largest site for --seconds: CPU, RSS, batch timing).",
    )
    parser.add_argument(
        "what",
        choices=["ingest", "mitel", "csta", "push", "push-calls", "intervals", "calls", "soak"],
    )
    parser.add_argument("--skills", type=int, default=3000)
    parser.add_argument("--agents", type=int, default=30000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=300.0, help="soak: how long to run")
    parser.add_argument(
        "--names", type=int, default=0, help="soak: agents named in the names directory"
    )
    return parser


def out(line: str) -> None:
    print(line, flush=True)  # figures as they come: a push run takes a while


def main(argv: Sequence[str] | None = None) -> int:
    options = parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wallboard.settings")
    import django
    from django.core.management.base import CommandError

    django.setup()
    from wallboard.dbcheck import ensure_migrated

    from . import figures

    try:
        if options.what == "ingest":
            figures.ingest_figures(options.skills, options.agents, options.rounds, out)
            ensure_migrated()
            figures.persist_figures(options.agents, 0.10, options.rounds, out)
        elif options.what == "intervals":
            figures.interval_figures(options.agents, options.rounds, out)
        elif options.what == "calls":
            from .calls import figures as call_figures

            call_figures(options.events, out)
        elif options.what == "soak":
            from .soak import soak_figures

            soak_figures(options.skills, options.agents, options.seconds, out, options.names)
        elif options.what == "mitel":
            figures.mitel_figures(options.events, options.agents, out)
        elif options.what == "csta":
            from .csta import figures as csta_figures

            csta_figures(options.events, out)
        elif options.what == "push-calls":
            from .pushcalls import push_call_figures

            push_call_figures(options.clients, options.rounds, out)
        else:
            from .push import push_figures

            ensure_migrated()
            push_figures(options.clients, options.agents, options.rounds, out)
    except CommandError as exc:  # as manage.py reported it: the message, no traceback
        print(f"CommandError: {exc}", file=sys.stderr)
        return exc.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
