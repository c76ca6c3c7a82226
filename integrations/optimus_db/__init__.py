"""Aspire Optimus' SQL Server database (`Optimus`, the read-only login `OPTEXTRNL`): calls from
Stat.CallsStat into the call ledger, the quarter-hour Stat.* rows into the interval tables,
queue names and membership from the BI functions. A polled source (transport "poll")."""

from __future__ import annotations

import math
import zoneinfo
from typing import Any

from integrations.base import (
    AGENT_LOG_OUT,
    AGENT_NOT_READY,
    Decoder,
    Diagnostic,
    Poller,
    VendorInfo,
)
from integrations.optimus_db.agentservices import AgentServices
from integrations.optimus_db.poller import StatPoller

VENDOR = VendorInfo(
    key="optimus_db",
    label="Aspire Optimus database (SQL Server)",
    transport="poll",
    default_port=1433,
    layouts=("stat",),
    default_refresh_seconds=15,
    # Through AgentServices.asmx (LOGOUT; NOTREADY with an activity code), where configured.
    agent_actions=(AGENT_LOG_OUT, AGENT_NOT_READY),
    # The password of the database login: stored apart, merged in when the poller is made.
    secret_options=("password", "agent_services_password"),
)

# The guide's login, shipped with every Optimus: a site should have changed its password.
DEFAULT_LOGIN = "OPTEXTRNL"
DEFAULT_PASSWORD = "OPTEXTRNL"

_DEFAULTS: dict[str, Any] = {
    # A SQLAlchemy URL without the password, e.g. mssql+pymssql://OPTEXTRNL@10.0.0.8/Optimus
    "database": "",
    "time_zone": "UTC",  # the zone of the Optimus server's clock (its tables' DATETIMEs)
    "query_timeout_seconds": 10,
    "directory_seconds": 300,
    "include_internal_agents": False,  # the guide's management agents -2, -1, 0 and 1
    # Dialer campaigns to follow ({"<campaign code>": "<name>"}) and the target statuses to
    # count ({"<status code>": "<label>"}): the site's own codes (the guide lists none).
    "dialer_campaigns": {},
    "dialer_statuses": {},
    "dialer_seconds": 60,
    # AgentServices.asmx, e.g. http://optimus/OptimusIntegration/WebServices/AgentServices.asmx
    # ("" for none: agents then show as unknown), and its web-service user (the guide's value).
    "agent_services_url": "",
    "agent_services_user": "!@#UN",
    # Look each ended call's recording file up (Configuration.GetCallRecordingFile): the
    # login needs the right to run it.
    "recordings": False,
    # Also take Optimus' web screen pop-ups as call steps of this source (README, "Screen pop").
    "screen_pop": False,
}
DEFAULT_SERVICES_PASSWORD = "!@#Password"  # the guide's web-service password
MAX_TIMEOUT = 120


def default_options(layout: str) -> dict[str, Any]:
    return dict(_DEFAULTS)


def _seconds(options: dict[str, Any], key: str, low: float, high: float) -> str | None:
    value = options.get(key, _DEFAULTS[key])
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        return f"{key} must be a number of seconds from {low:g} to {high:g}, not {value!r}."
    return None


def validate_options(layout: str, options: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if layout not in VENDOR.layouts:
        problems.append(f"Unknown layout {layout!r}: the Optimus database source has 'stat'.")
    if not isinstance(options, dict):
        return [*problems, "Options must be a JSON object."]
    known = {*_DEFAULTS, *VENDOR.secret_options}
    problems += [
        f"Unknown option {k!r}: known options are {', '.join(known)}."
        for k in options
        if k not in known
    ]
    problems += [
        p
        for p in (
            _seconds(options, "query_timeout_seconds", 1, MAX_TIMEOUT),
            _seconds(options, "directory_seconds", 10, 86400),
            _seconds(options, "dialer_seconds", 10, 86400),
        )
        if p
    ]
    for flag in ("screen_pop", "recordings"):
        if not isinstance(options.get(flag, False), bool):
            problems.append(f"{flag} is true or false.")
    problems += _database_problems(options.get("database", ""))
    try:
        zoneinfo.ZoneInfo(str(options.get("time_zone", "UTC")))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(f"time_zone {options.get('time_zone')!r} is not a known time zone.")
    for key in ("dialer_campaigns", "dialer_statuses"):
        codes = options.get(key, {})
        if not isinstance(codes, dict) or not all(
            str(k).lstrip("-").isdigit() and isinstance(v, str) for k, v in codes.items()
        ):
            problems.append(f'{key} must map numeric codes to names, e.g. {{"3": "Renewals"}}.')
    url = options.get("agent_services_url", "")
    if not isinstance(url, str) or (url and not url.startswith(("http://", "https://"))):
        problems.append("agent_services_url must be an http:// or https:// URL, or empty.")
    if not isinstance(options.get("agent_services_user", ""), str):
        problems.append("agent_services_user must be text.")
    if not isinstance(options.get("include_internal_agents", False), bool):
        problems.append("include_internal_agents must be true or false.")
    return problems


def _database_problems(database: Any) -> list[str]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not isinstance(database, str) or not database:
        return [
            "database: the SQLAlchemy URL of Optimus' database, without the password, e.g. "
            "mssql+pymssql://OPTEXTRNL@10.0.0.8/Optimus."
        ]
    try:
        url = make_url(database)
    except ArgumentError:
        return ["database: not a SQLAlchemy URL (e.g. mssql+pymssql://OPTEXTRNL@host/Optimus)."]
    if url.password:
        return ["database: leave the password out of the URL; set it under Credentials."]
    return []


def make_decoder(layout: str, options: dict[str, Any]) -> Decoder:
    raise ValueError("The Optimus database source is polled: see make_poller().")


def make_poller(layout: str, options: dict[str, Any]) -> Poller:
    """A poller for one source; ValueError when validate_options would complain."""
    plain = {k: v for k, v in options.items() if k not in VENDOR.secret_options}
    problems = validate_options(layout, plain)
    if problems:
        raise ValueError(" ".join(problems))
    merged = {**_DEFAULTS, **plain}
    return StatPoller(
        merged["database"],
        str(options.get("password") or ""),
        time_zone=str(merged["time_zone"]),
        query_timeout=float(merged["query_timeout_seconds"]),
        directory_seconds=float(merged["directory_seconds"]),
        include_internal_agents=bool(merged["include_internal_agents"]),
        dialer_campaigns={str(k): str(v) for k, v in merged["dialer_campaigns"].items()},
        dialer_statuses={str(k): str(v) for k, v in merged["dialer_statuses"].items()},
        dialer_seconds=float(merged["dialer_seconds"]),
        recordings=merged["recordings"] is True,
        agent_services=AgentServices(
            str(merged["agent_services_url"]),
            str(merged["agent_services_user"]),
            str(options.get("agent_services_password") or DEFAULT_SERVICES_PASSWORD),
            timeout=min(5.0, float(merged["query_timeout_seconds"])),
        )
        if merged["agent_services_url"]
        else None,
    )


def credential_diagnostics(options: dict[str, Any], secrets: dict[str, str]) -> list[Diagnostic]:
    """What `manage.py check` says of a source's credentials: the guide's default login
    with its default password is known to anyone who has read the guide."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    found: list[Diagnostic] = []
    if options.get("agent_services_url") and (
        options.get("agent_services_user", _DEFAULTS["agent_services_user"])
        == _DEFAULTS["agent_services_user"]
        and secrets.get("agent_services_password", DEFAULT_SERVICES_PASSWORD)
        == DEFAULT_SERVICES_PASSWORD
    ):
        found.append(
            Diagnostic(
                "asks AgentServices with the guide's default web-service user and password "
                "(anyone who has the guide can log your agents out)",
                "Set other credentials on the Optimus web services and give them as "
                "agent_services_user and, under Credentials, agent_services_password.",
            )
        )
    try:
        user = make_url(str(options.get("database", ""))).username or ""
    except ArgumentError:
        return found
    if user.upper() == DEFAULT_LOGIN and secrets.get("password", "") == DEFAULT_PASSWORD:
        return [
            *found,
            Diagnostic(
                "connects with Optimus' default database login and password "
                f"({DEFAULT_LOGIN}/{DEFAULT_PASSWORD}, printed in the vendor's guide)",
                "Change the login's password on the Optimus SQL Server and type the new one "
                "under the source's Credentials.",
            ),
        ]
    return found
