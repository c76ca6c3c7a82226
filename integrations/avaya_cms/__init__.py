"""Avaya CMS Real-Time Socket: CMS connects to the wallboard and writes a report every run.

One source per RTS session (one report, one port). Protocol notes:
shared/protocols/avaya-cms-rts.md; what is done and what is not: README.md here.
"""

from __future__ import annotations

from typing import Any

from integrations.base import Diagnostic, VendorInfo

from . import agents
from .agents import DEFAULT_COLUMNS, DEFAULT_STATE_MAP, AgentReport, validate
from .decoder import RtsDecoder
from .queues import CvdnReport, Tvi1Report


def diagnostics(layout: str) -> list[Diagnostic]:
    if layout == "agent_tv" and agents.Heads is None:
        return [
            Diagnostic(
                "the C speed-up of the agent report is not built; it runs in pure Python,"
                " taking about twice the CPU per report run",
                "Install a C compiler and the Python headers (apt-get install gcc"
                " python3-dev), then reinstall: pip install -e .",
            )
        ]
    return []


VENDOR = VendorInfo(
    key="avaya_cms",
    label="Avaya CMS Real-Time Socket",
    transport="listen",
    default_port=7001,
    layouts=("tvi1", "agent_tv", "cvdn"),
    missing_batches_before_gone=1,
    default_refresh_seconds=3,
    diagnostics=diagnostics,
)

_QUEUE_REPORTS: dict[str, type[Tvi1Report | CvdnReport]] = {"tvi1": Tvi1Report, "cvdn": CvdnReport}


def default_options(layout: str) -> dict[str, Any]:
    if layout == "agent_tv":
        return {"columns": list(DEFAULT_COLUMNS), "state_map": dict(DEFAULT_STATE_MAP)}
    if layout in _QUEUE_REPORTS:
        return {}
    raise ValueError(f"unknown Avaya CMS layout {layout!r}")


def validate_options(layout: str, options: dict[str, Any]) -> list[str]:
    if not isinstance(options, dict):
        return ["options must be a JSON object"]
    if layout == "agent_tv":
        return validate(options)
    if layout in _QUEUE_REPORTS:
        return [f"unknown option {key!r} (the {layout} layout takes none)" for key in options]
    return [f"unknown layout {layout!r}; expected one of {', '.join(VENDOR.layouts)}"]


def make_decoder(layout: str, options: dict[str, Any]) -> RtsDecoder:
    """A decoder for one connection; ValueError if validate_options finds fault."""
    problems = validate_options(layout, options)
    if problems:
        raise ValueError("; ".join(problems))
    if layout == "agent_tv":
        report = AgentReport(options.get("columns", DEFAULT_COLUMNS), options.get("state_map", {}))
        scan = report.scan if report.accelerated else None
        decoder = RtsDecoder(report.parse, report.forget, report.idle_steps, report.early, scan)
        report.clock = lambda: decoder.clock()
        return decoder
    return RtsDecoder(_QUEUE_REPORTS[layout]().parse)
