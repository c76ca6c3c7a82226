"""Real receivers for the alert tests: an SMTP server (aiosmtpd, on its own thread) and an HTTP
webhook receiver (http.server, on its own thread), both on loopback; and the helpers that make
alert channels and rules and read alerts back."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async

from tests.conftest import free_port, send_bytes

# An Avaya CMS split report (tvi1) row: skill 3 of tests/fixtures/avaya_cms/tvi1_example.txt,
# with its calls waiting (field 2) and agents staffed (field 16) given.
_SKILL_ROW = (
    "F1|  3|   4|   2|  :18|  1|1| 1:42| 57| 3:05|  :47|  1|  9|  3|  0|  2| 17|     |     |"
    "     |  0| 86|  20|  66"
)


def skill_report(number: int = 3, waiting: int = 4, staffed: int = 17) -> bytes:
    """One complete tvi1 run of one skill, as CMS sends it."""
    fields = _SKILL_ROW.split("|")
    fields[1], fields[2], fields[16] = f"{number:3d}", f"{waiting:4d}", f"{staffed:3d}"
    return ("|".join(fields) + "\nF3|END_OF_RECORDS\n").encode()


def port_of(source: Any) -> int:
    return int(source.listen.rsplit(":", 1)[1])


async def feed(source: Any, **row: int) -> None:
    """Send one report to a listening source over TCP, as CMS would."""
    await send_bytes(port_of(source), skill_report(**row))


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"


class SmtpServer:
    """A real SMTP server on loopback; `messages` are the e-mails it accepted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = _Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self.mailbox.lock:
            return list(self.mailbox.messages)

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A real HTTP receiver on loopback, answering 200 to each POST and keeping it. Not
    listening until start(): a receiver that is down, then up, on the same port."""

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set: each answer waits until it is set (a receiver slow to answer, as long as a test wants).
    answer: threading.Event | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                if receiver.answer is not None:
                    receiver.answer.wait(30)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def posts(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if path is None or r.path == path]

    def __iter__(self) -> Iterator[Received]:
        return iter(self.posts())


@sync_to_async
def make_channel(name: str, kind: str, **fields: Any) -> Any:
    from wallboard.models import AlertChannel

    channel = AlertChannel(name=name, kind=kind, **fields)
    channel.full_clean()
    channel.save()
    return channel


@sync_to_async
def make_rule(name: str, kind: str, channels: Sequence[Any] = (), **fields: Any) -> Any:
    from wallboard.models import AlertRule

    rule = AlertRule(name=name, kind=kind, **fields)
    rule.full_clean()
    rule.save()
    rule.channels.set(channels)
    return rule


@sync_to_async
def alerts_of(rule: Any) -> list[Any]:
    from wallboard.models import Alert

    return list(
        Alert.objects.filter(rule_id=rule.pk).order_by("raised_at").prefetch_related("deliveries")
    )


@sync_to_async
def deliveries_of(alert: Any) -> list[Any]:
    from wallboard.models import AlertDelivery

    return list(AlertDelivery.objects.filter(alert_id=alert.pk).order_by("pk"))


async def open_alert(rule: Any) -> Any:
    """The rule's open alert, or None."""
    found = [a for a in await alerts_of(rule) if a.resolved_at is None]
    return found[0] if found else None


async def resolved_alert(rule: Any) -> Any:
    found = [a for a in await alerts_of(rule) if a.resolved_at is not None]
    return found[-1] if found else None


@pytest.fixture
def alert_settings(settings: Any) -> Any:
    """Alerts evaluated and retried quickly, e-mail through the real SMTP backend (pytest-django
    swaps in the in-memory one) to a server the test starts (its port: EMAIL_PORT)."""
    settings.ALERT_EVALUATE_SECONDS = 0.2
    settings.ALERT_RETRY_FIRST_SECONDS = 0.2
    settings.ALERT_RETRY_MAX_SECONDS = 0.5
    settings.ALERT_SEND_TIMEOUT = 2.0
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 2.0
    settings.DEFAULT_FROM_EMAIL = "wallboard@example.com"
    return settings


async def evaluations_pass(ingest: Any, count: int = 5) -> None:
    """Wait until the evaluator has run `count` more times (and the sender with it)."""
    from tests.conftest import wait_for

    seen = ingest.alerts.evaluations
    await wait_for(lambda: ingest.alerts.evaluations >= seen + count, what="evaluations")


@sync_to_async
def condition_of(rule: Any) -> Any:
    from wallboard.models import AlertCondition

    return AlertCondition.objects.filter(rule_id=rule.pk).first()
