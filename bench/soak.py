"""`./dev benchmark soak`: the largest site for a set time, printed, never asserted.

`manage.py runingest` runs alone, as deployed, on a database of its own with everything on
(SQLite; or, when DATABASE_URL names PostgreSQL, the database `wallboard_soakbench` on that
server, created afresh, as production runs): an Avaya CMS skill report (tvi1) and agent
report (agent_tv), each every 3 s, written to the database, accounted in interval rows, and
published to boards of agent grids and big numbers (the in-memory channel layer: no display
takes them). This process plays CMS: it writes each source's run on its own connection every
refresh. It samples runingest's CPU time and resident memory from /proc, and its stored health
(batches and when the last one came), and prints the CPU share of one core, the RSS and its
growth, and the batches' timing. With `--names N` the names directory holds N agents' names
(as a site that imported them from its HR system), which runingest reads with the boards.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from integrations.avaya_cms.simulator import make_producer

from .push import _config, _cpu_seconds, _free_port, pg_admin

ROOT = Path(__file__).resolve().parent.parent
REFRESH = 3.0
WARM_UP = 30.0  # seconds left out of the figures: the first loads, the first interval rows
PG_NAME = "wallboard_soakbench"
NAMES_SQL = (
    "from wallboard.models import Name; Name.objects.bulk_create(Name(kind='agent',"
    " number=str(10001 + i), name=f'Agent {{i + 1}} Surname') for i in range({names}))"
)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Ingest:
    """runingest on a database of its own, listening for the two reports."""

    def __init__(self, workdir: Path, skills: int, agents: int, names: int = 0) -> None:
        self.names = names
        self.workdir, self.db = workdir, workdir / "soak.sqlite3"
        self.ports = {"soak-skills": _free_port(), "soak-agents": _free_port()}
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNELS_URL")}
        admin = os.environ.get("DATABASE_URL", "")
        self.admin_url = admin if admin.startswith(("postgres://", "postgresql://")) else ""
        url = f"sqlite:///{self.db}"
        if self.admin_url:
            url = urlunsplit(urlsplit(self.admin_url)._replace(path=f"/{PG_NAME}"))
        env.update(SECRET_KEY="soak", LOG_LEVEL="WARNING", DATABASE_URL=url)
        self.env, self.url = env, url
        config = _config(self.ports["soak-agents"], agents)
        config["sources"][0]["name"] = "soak-agents"
        for board in config["boards"]:
            for tile in board["tiles"]:
                tile["source"] = "soak-agents"
        config["sources"].append(
            {"name": "soak-skills", "vendor": "avaya_cms", "layout": "tvi1",
             "listen": f"127.0.0.1:{self.ports['soak-skills']}", "refresh_seconds": 3}
        )  # fmt: skip
        (workdir / "config.json").write_text(json.dumps(config))
        self.process: subprocess.Popen[bytes] | None = None

    def _manage(self, *args: str) -> None:
        cmd = [sys.executable, "manage.py", *args]
        done = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed: {done.stderr[-2000:]}")

    @property
    def database(self) -> str:
        return f"PostgreSQL ({PG_NAME})" if self.admin_url else "SQLite"

    def _pg(self, sql: str) -> None:
        pg_admin(self.admin_url, sql)

    def start(self) -> None:
        if self.admin_url:
            self._pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            self._pg(f"CREATE DATABASE {PG_NAME}")
        self._manage("migrate", "-v0")
        self._manage("importconfig", str(self.workdir / "config.json"))
        if self.names:  # the simulator's agent IDs, 10001 on, named for every source
            self._manage("shell", "-c", NAMES_SQL.format(names=self.names))
        with open(self.workdir / "runingest.log", "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "runingest"],
                cwd=ROOT, env=self.env, stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        for port in self.ports.values():
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        log_text = (self.workdir / "runingest.log").read_text()[-2000:]
                        raise RuntimeError(f"runingest did not start:\n{log_text}") from None
                    time.sleep(0.2)

    def health(self) -> dict[str, tuple[int, float | None]]:
        """Per source: batches so far and when the last came (epoch), as last written."""
        sql = (
            "SELECT s.name, h.batches, h.last_data_at FROM wallboard_sourcehealth h"
            " JOIN wallboard_source s ON s.id = h.source_id"
        )
        rows: list[Any]
        if self.admin_url:
            import psycopg

            with psycopg.connect(self.url) as pg:
                rows = pg.execute(sql).fetchall()
        else:
            with contextlib.closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as db:
                rows = db.execute(sql).fetchall()
        out: dict[str, tuple[int, float | None]] = {}
        for name, batches, last in rows:
            if isinstance(last, str):
                last = datetime.fromisoformat(last)
            out[name] = (int(batches), last.timestamp() if last else None)
        return out

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.admin_url:
            self._pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


def soak_figures(
    skills: int, agents: int, seconds: float, out: Callable[[str], None], names: int = 0
) -> None:
    out(
        f"Soak: runingest alone, {skills} skills (tvi1) + {agents} agents (agent_tv) every"
        f" {REFRESH:.0f} s, persist + intervals + publish, {seconds:.0f} s"
        f" (+{WARM_UP:.0f} s warm-up)"
        + (f", {names} agents' names in the directory" if names else "")
    )
    producers = {
        "soak-skills": make_producer(
            {"layout": "tvi1", "skills": skills, "agents": agents, "seed": 1}
        ),
        "soak-agents": make_producer(
            {"layout": "agent_tv", "skills": skills, "agents": agents, "seed": 1}
        ),
    }
    with tempfile.TemporaryDirectory(prefix="soakbench-") as tmp:
        ingest = Ingest(Path(tmp), skills, agents, names)
        out(f"  database: {ingest.database}")
        ingest.start()
        assert ingest.process is not None
        pid = ingest.process.pid
        out(f"  RSS before the first run: {_rss_mb(pid):.0f} MB (start-up, boards loaded)")
        feeds = {
            name: socket.create_connection(("127.0.0.1", port))
            for name, port in ingest.ports.items()
        }
        try:
            _soak(ingest, pid, feeds, producers, seconds, out)
        finally:
            for feed in feeds.values():
                feed.close()
            ingest.stop()


def _soak(
    ingest: Ingest,
    pid: int,
    feeds: dict[str, socket.socket],
    producers: dict[str, Any],
    seconds: float,
    out: Callable[[str], None],
) -> None:
    start = time.monotonic()
    end = start + WARM_UP + seconds
    tick = start
    sent: list[float] = []  # epoch time each agent run's last byte was written
    window: tuple[float, float, float, int] | None = None  # wall, cpu, rss, batches at its start
    rss: list[float] = []
    seen: dict[float, float] = {}  # each agent batch's time (epoch) -> the run sent before it
    while tick < end:
        for name, producer in producers.items():
            feeds[name].sendall(producer.next_chunk())
            if name == "soak-agents":
                sent.append(time.time())
        tick += REFRESH
        while (now := time.monotonic()) < min(tick, end):
            health = ingest.health().get("soak-agents", (0, None))
            batches, last = health
            if last is not None and last not in seen and sent:
                seen[last] = max([s for s in sent if s <= last] or [sent[0]])
            if window is None and now - start >= WARM_UP:
                window = (now, _cpu_seconds(pid), _rss_mb(pid), batches)
            elif window is not None:
                rss.append(_rss_mb(pid))
            time.sleep(0.25)
    if window is None or not rss:
        out("  too short to measure: give --seconds more than a few refreshes")
        return
    wall, cpu = time.monotonic() - window[0], _cpu_seconds(pid) - window[1]
    batches = ingest.health().get("soak-agents", (0, None))[0] - window[3]
    out(
        f"  CPU: {cpu / wall:.1%} of one core ({cpu:.1f} s in {wall:.0f} s;"
        f" {cpu / max(1, batches) * 1000:.0f} ms per agent-report run, skills run included)"
        " (target 10%)"
    )
    out(
        f"  RSS: {window[2]:.0f} MB after the warm-up, {rss[-1]:.0f} MB at the end"
        f" (growth {rss[-1] - window[2]:+.0f} MB, max {max(rss):.0f} MB) (target 150 MB)"
    )
    times = [t for t in sorted(seen) if t >= time.time() - wall]
    lags = [t - seen[t] for t in times]
    every = f"every {wall / batches:.2f} s" if batches else "none"
    out(
        f"  batches: {batches} agent-report runs taken in {wall:.0f} s ({every}; sent every"
        f" {REFRESH:.0f} s)"
        + (
            f"; last byte to batch, {len(lags)} sampled from the stored health: median"
            f" {statistics.median(lags) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms"
            if lags
            else ""
        )
    )
