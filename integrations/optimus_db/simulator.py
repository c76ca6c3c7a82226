"""A stand-in for Optimus' database: the tables the source reads (schema.py), filled as a live
Optimus fills them: a Stat.CallsStat row when a call arrives, completed when it ends; the
quarter-hour Stat.* rows (re)calculated with a CalcTS. On SQLite (a file) or PostgreSQL (a
schema of a server the caller names); used by the tests and `OptimusFixture.run` (a demo feed).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, delete, func, insert, select, text, update
from sqlalchemy.engine import make_url

from integrations.optimus_db import schema


def quarter(at: datetime) -> datetime:
    return at.replace(minute=at.minute // 15 * 15, second=0, microsecond=0)


class OptimusFixture:
    """The fixture database, written with its own (read-write) connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        backend = make_url(url).get_backend_name()
        self.engine: Engine = create_engine(url)
        if backend == "sqlite":
            self.engine = self.engine.execution_options(
                schema_translate_map=schema.SCHEMA_TRANSLATE
            )
        else:
            with self.engine.begin() as conn:
                for name in schema.SCHEMAS:
                    conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{name}"'))
        schema.metadata.create_all(self.engine)
        with self.engine.connect() as conn:  # a fixture kept from an earlier run goes on
            top = conn.execute(select(func.max(schema.calls_stat.c.CallID))).scalar()
        self._next_call = int(top or 0) + 1

    def close(self) -> None:
        self.engine.dispose()

    def drop(self) -> None:
        schema.metadata.drop_all(self.engine)

    # -- the directory ---------------------------------------------------------------------
    def queues(self, names: dict[int, str], members: dict[int, list[int]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(schema.all_queues))
            conn.execute(delete(schema.all_queues_agents))
            conn.execute(
                insert(schema.all_queues),
                [{"Code": c, "Description": n} for c, n in names.items()],
            )
            rows = [{"QueueCode": q, "UserCode": u} for q, users in members.items() for u in users]
            if rows:
                conn.execute(insert(schema.all_queues_agents), rows)

    # -- calls -----------------------------------------------------------------------------
    def call_arrives(self, offered: datetime, queue: int | None = 10, **columns: Any) -> int:
        call_id = columns.pop("CallID", None) or self._next_call
        self._next_call = max(self._next_call, call_id) + 1
        row = {
            "CallID": call_id,
            "CallType": 1,
            "DNIS": 500,
            "CLID": "0501234567",
            "OfferedTS": offered,
            "FirstQueuedTS": offered if queue is not None else None,
            "InitialQueue": queue,
            "HandledOnQueue": queue,
            "QueueHops": 0,
            "AgentHops": 0,
            **columns,
        }
        with self.engine.begin() as conn:
            conn.execute(insert(schema.calls_stat), [row])
        return int(call_id)

    def call_changes(self, call_id: int, **columns: Any) -> None:
        table = schema.calls_stat
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.CallID == call_id).values(**columns))

    def answered(self, call_id: int, at: datetime, agent: int = 7, extension: int = 207) -> None:
        self.call_changes(call_id, AnsweredTS=at, Agent=agent, AgentExtension=extension)

    def talked_and_ended(self, call_id: int, at: datetime) -> None:
        self.call_changes(call_id, EndedTS=at, EndType=101)

    def abandoned(self, call_id: int, at: datetime, ringing: bool = False) -> None:
        self.call_changes(call_id, AbandonedTS=at, EndType=103 if ringing else 102)

    # -- the recording module ---------------------------------------------------------------
    def recorded(self, call_id: int, path: str, clid: str = "", at: datetime | None = None) -> None:
        """The recording module has the call's file (what its functions then give)."""
        with self.engine.begin() as conn:
            conn.execute(insert(schema.call_recording_file), [{"CallID": call_id, "Recfile": path}])
            conn.execute(
                insert(schema.all_recordings),
                [{"CallID": call_id, "Recfile": path[:200], "CLID": clid, "TS": at}],
            )

    # -- the dialer ------------------------------------------------------------------------
    def dialer_target(
        self,
        target: int,
        campaign: int,
        status: int,
        last_call: datetime | None = None,
        dials: tuple[int, int, int] = (0, 0, 0),
    ) -> None:
        """A campaign's target in a status (replacing it), its dials on each of its phones."""
        t = schema.dialer_targets
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.Target_ID == target))
            conn.execute(
                insert(t),
                [
                    {
                        "Target_ID": target,
                        "CampaignID": campaign,
                        "Status": status,
                        "Last_Call_TS": last_call,
                        "Phone_I": f"05{target:08d}",
                        "Phone_I_Counter": dials[0],
                        "Phone_II_Counter": dials[1],
                        "Phone_III_Counter": dials[2],
                    }
                ],
            )

    # -- quarter-hour rows -----------------------------------------------------------------
    def _stamps(self, the_date: datetime, calc: datetime) -> dict[str, Any]:
        return {
            "CalcTS": calc,
            "TheDate": the_date,
            "TheMonth": the_date.strftime("%Y-%m"),
            "TheWeek": the_date.strftime("%Y-W%W"),
            "TheDay": the_date.strftime("%Y-%m-%d"),
            "TheHour": the_date.strftime("%H:%M"),
        }

    def queue_quarter(
        self,
        queue: int,
        the_date: datetime,
        calc: datetime,
        answer_waits: dict[int, int] | None = None,
        **figures: int,
    ) -> None:
        """A queue's Stat.DeviceStat row and its answered-wait histogram (time frame ->
        calls), replacing what was calculated before."""
        ds, dt = schema.device_stat, schema.device_times
        key = (queue, schema.DEVICE_QUEUE, the_date)
        with self.engine.begin() as conn:
            conn.execute(
                delete(ds)
                .where(ds.c.DeviceCode == key[0], ds.c.DeviceType == key[1])
                .where(ds.c.TheDate == key[2])
            )
            conn.execute(
                delete(dt)
                .where(dt.c.DeviceCode == key[0], dt.c.DeviceType == key[1])
                .where(dt.c.TheDate == key[2])
            )
            conn.execute(
                insert(ds),
                [
                    {
                        **self._stamps(the_date, calc),
                        "DeviceCode": queue,
                        "DeviceType": schema.DEVICE_QUEUE,
                        **figures,
                    }
                ],
            )
            histogram = [
                {
                    **self._stamps(the_date, calc),
                    "DeviceCode": queue,
                    "DeviceType": schema.DEVICE_QUEUE,
                    "TimeType": schema.QUEUE_ANSWERED_WAIT,
                    "TimeFrame": frame,
                    "Amount": amount,
                }
                for frame, amount in (answer_waits or {}).items()
            ]
            if histogram:
                conn.execute(insert(dt), histogram)

    def agent_quarter(
        self,
        user: int,
        the_date: datetime,
        calc: datetime,
        activities: dict[int, int] | None = None,
        **figures: int,
    ) -> None:
        ags, act = schema.agent_stat, schema.agent_activity_stat
        with self.engine.begin() as conn:
            conn.execute(delete(ags).where(ags.c.UserCode == user, ags.c.TheDate == the_date))
            conn.execute(delete(act).where(act.c.UserCode == user, act.c.TheDate == the_date))
            conn.execute(
                insert(ags), [{**self._stamps(the_date, calc), "UserCode": user, **figures}]
            )
            rows = [
                {
                    **self._stamps(the_date, calc),
                    "UserCode": user,
                    "ActivityCode": code,
                    "ActivityTime": seconds,
                }
                for code, seconds in (activities or {}).items()
            ]
            if rows:
                conn.execute(insert(act), rows)

    # -- a live Optimus, for the demo ------------------------------------------------------
    def run(
        self,
        stop: threading.Event,
        seed: int = 1,
        queues: int = 4,
        agents: int = 8,
        now: Callable[[], datetime] = datetime.now,
        recordings: str = "",
        first_agent: int = 100,
    ) -> None:
        """Calls arriving every few seconds, answered or abandoned, ended later (Optimus' own
        clock: local time, by default the machine's). With `recordings` (a folder path), each
        answered call's recording file is given by the recording module's functions."""
        rng = random.Random(seed)
        codes = [10 + i for i in range(queues)]
        self.queues(
            {c: f"Queue {c}" for c in codes},
            {  # every agent serves a queue of its own and two more
                c: sorted(
                    {first_agent + (i + j) % agents for j in range(3)}
                    | {first_agent + a for a in range(agents) if a % queues == i}
                )
                for i, c in enumerate(codes)
            },
        )
        open_calls: list[tuple[int, datetime, int]] = []
        while not stop.wait(rng.uniform(1.0, 4.0)):
            at = now().replace(microsecond=0)
            queue = rng.choice(codes)
            open_calls.append((self.call_arrives(at, queue=queue), at, queue))
            for call_id, offered, _ in list(open_calls):
                age = (at - offered).total_seconds()
                if age > 40 and rng.random() < 0.5:
                    open_calls.remove((call_id, offered, _))
                    if rng.random() < 0.8:
                        answered = offered + timedelta(seconds=rng.randint(2, 25))
                        agent = rng.randint(first_agent, first_agent + agents - 1)
                        self.answered(call_id, answered, agent=agent)
                        if recordings:
                            self.recorded(call_id, f"{recordings}\\{call_id}.wav")
                        self.talked_and_ended(call_id, at)
                    else:
                        self.abandoned(call_id, offered + timedelta(seconds=rng.randint(5, 30)))


class AgentServicesSimulator:
    """AgentServices.asmx as a real HTTP server on loopback: CheckExtensionState answers each
    agent's state word from `states`; LOGIN, LOGOUT and NOTREADY change it. A wrong web-service
    user or password gets a SOAP fault (HTTP 500), as ASP.NET answers one."""

    def __init__(self, user: str = "!@#UN", password: str = "!@#Password", port: int = 0) -> None:
        import http.server

        self.user, self.password = user, password
        self.states: dict[str, str] = {}
        self.asked = 0
        simulator = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), 65536)
                status, body = simulator.answer(self.rfile.read(length))
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/OptimusIntegration/AgentServices.asmx"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, data: bytes) -> tuple[int, bytes]:
        import xml.etree.ElementTree as ET

        body = ET.fromstring(data).find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
        operation = body[0] if body is not None and len(body) else None
        if operation is None:
            return 400, b""
        name = operation.tag.rsplit("}", 1)[-1]
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in operation}
        if (fields.get("webServiceUserName"), fields.get("password")) != (self.user, self.password):
            return 500, _fault("authentication failed")
        agent = fields.get("Username", "")
        if name == "CheckExtensionState":
            self.asked += 1
            text = self.states.get(agent, "LOGGED OUT")
        elif name == "LOGIN":
            self.states[agent], text = "READY", "true"
        elif name == "LOGOUT":
            self.states[agent], text = "LOGGED OUT", "true"
        elif name == "NOTREADY":
            self.states[agent], text = "NOT READY", "true"
        else:
            return 500, _fault(f"unknown operation {name}")
        from xml.sax.saxutils import escape

        return 200, (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            f'<{name}Response xmlns="http://tempuri.org/"><{name}Result>{escape(text)}'
            f"</{name}Result></{name}Response></soap:Body></soap:Envelope>"
        ).encode()


def _fault(text: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        f"<soap:Fault><faultcode>soap:Server</faultcode><faultstring>{text}</faultstring>"
        "</soap:Fault></soap:Body></soap:Envelope>"
    ).encode()
