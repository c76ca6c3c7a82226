"""The screen-pop receiver: Optimus opens our URL per call offered to an agent.

The URL holds the source's receiver key (ScreenPopReceiver; revoked by regenerating it in the
admin) and the call's parameters, as Optimus fills them into the URL the site configured
(README, "Screen pop"). Every parameter is bounded and checked; a request that fails is counted
on the receiver (shown with the source's health) with a short excerpt and stored nowhere else.
A good one becomes a pending ScreenPop row, which the ingest process owning the source turns
into call steps (ingest/screenpops.py): this side runs no ledger. The reply is the same tiny
page that closes itself whatever happened, and echoes nothing: it opens on an agent's desktop.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wallboard import messages
from wallboard.models import ScreenPop, ScreenPopReceiver

log = logging.getLogger(__name__)

# Optimus' own closing page: nothing of the call in it, and no script but the close.
CLOSE_PAGE = (
    "<!doctype html><html><head><meta charset=utf-8><title>Wallboard</title></head>"
    "<body><script>window.close()</script></body></html>"
)
MAX_QUERY = 2048  # the whole query string, in bytes
MAX_WAIT_SECONDS = 86400
RATE_PER_SECOND = 20.0  # per source: far above any contact centre's offered calls
RATE_BURST = 100.0

_DIGITS = re.compile(r"[0-9]{1,20}")
_EXTENSION = re.compile(r"[0-9A-Za-z*#+_.-]{1,32}")
_NUMBER = re.compile(r"[0-9A-Za-z*#+() .-]{0,32}")  # a caller ID may be "Anonymous"
_CODE = re.compile(r"[0-9A-Za-z_.-]{0,32}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Optimus' parameter names, as the site writes them into the URL (any case; spaces, '_' and
# '-' alike: "WAITING TIME", "waiting_time").
FIELDS = ("clid", "dnis", "attachdata", "queue", "waitingtime", "extension", "callid", "queuecode")


class BadPop(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Pop:
    call_id: str
    extension: str
    queue_code: str
    queue: str
    clid: str
    dnis: str
    attach_data: str
    waiting_seconds: int | None


class Bucket:
    """A token bucket per source, in this process: a flood cannot fill the database."""

    def __init__(self, rate: float = RATE_PER_SECOND, burst: float = RATE_BURST) -> None:
        self.rate, self.burst = rate, burst
        self._tokens: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, source_id: int) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, then = self._tokens.get(source_id, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens < 1.0:
                self._tokens[source_id] = (tokens, now)
                return False
            self._tokens[source_id] = (tokens - 1.0, now)
            return True


BUCKET = Bucket()


def _text(value: str, pattern: re.Pattern[str], name: str) -> str:
    if not pattern.fullmatch(value):
        raise BadPop(f"{name} is not valid")
    return value


def _free_text(value: str, limit: int, name: str) -> str:
    if len(value) > limit:
        raise BadPop(f"{name} is longer than {limit}")
    if _CONTROL.search(value):
        raise BadPop(f"{name} holds control characters")
    return value


def parse(params: dict[str, str]) -> Pop:
    """The call of one request's parameters (names already folded); BadPop says why not."""
    wait_text = params.get("waitingtime", "").strip()
    waiting: int | None = None
    if wait_text:
        if not _DIGITS.fullmatch(wait_text) or int(wait_text) > MAX_WAIT_SECONDS:
            raise BadPop("waiting time is not a number of seconds")
        waiting = int(wait_text)
    call_id = params.get("callid", "").strip()
    if not call_id:
        raise BadPop("no CALLID")
    extension = params.get("extension", "").strip()
    if not extension:
        raise BadPop("no EXTENSION")
    return Pop(
        call_id=_text(call_id, _DIGITS, "CALLID"),
        extension=_text(extension, _EXTENSION, "EXTENSION"),
        queue_code=_text(params.get("queuecode", "").strip(), _CODE, "QUEUECODE"),
        queue=_free_text(params.get("queue", "").strip(), 64, "QUEUE"),
        clid=_text(params.get("clid", "").strip(), _NUMBER, "CLID"),
        dnis=_text(params.get("dnis", "").strip(), _NUMBER, "DNIS"),
        attach_data=_free_text(params.get("attachdata", ""), 500, "ATTACHDATA"),
        waiting_seconds=waiting,
    )


def folded(request: HttpRequest) -> dict[str, str]:
    """The known parameters, names folded; a repeated or unknown one is refused (an unknown
    name is a mistyped URL: better said than silently dropped)."""
    found: dict[str, str] = {}
    for name, values in request.GET.lists():
        key = re.sub(r"[\s_-]", "", name).lower()
        if key not in FIELDS:
            raise BadPop(f"unknown parameter {name[:20]!r}")
        if len(values) != 1 or key in found:
            raise BadPop(f"{name[:20]} given twice")
        found[key] = values[0]
    return found


def _reply() -> HttpResponse:
    response = HttpResponse(CLOSE_PAGE, content_type="text/html; charset=utf-8")
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the key is in our URL: never pass it on
    response["Content-Security-Policy"] = "default-src 'none'; script-src 'unsafe-inline'"
    return response


def _reject(
    receiver: ScreenPopReceiver, why: str, request: HttpRequest, count: int = 1
) -> HttpResponse:
    excerpt = f"{why}: {request.META.get('QUERY_STRING', '')[:80]!r}"[:200]
    ScreenPopReceiver.objects.filter(pk=receiver.pk).update(
        rejected=F("rejected") + count, last_rejected=excerpt, last_rejected_at=timezone.now()
    )
    log.warning("screen pop for source %s refused: %s", receiver.source.name, excerpt)
    return _reply()


_OVER: dict[int, tuple[int, float]] = {}  # source -> (refusals not yet counted, last count)
_OVER_LOCK = threading.Lock()


def _over_limit(receiver: ScreenPopReceiver, request: HttpRequest) -> HttpResponse:
    """A flood must not become a database write per request: its refusals are counted in
    memory and added to the receiver's count at most once a second."""
    now = time.monotonic()
    with _OVER_LOCK:
        waiting, counted = _OVER.get(receiver.source_id, (0, 0.0))
        waiting += 1
        if now - counted < 1.0:
            _OVER[receiver.source_id] = (waiting, counted)
            return _reply()
        _OVER[receiver.source_id] = (0, now)
    return _reject(receiver, "over the rate limit", request, waiting)


def receiver_of(key: str) -> ScreenPopReceiver | None:
    """The receiver whose key this is, for a source that takes screen pops now."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", key):
        return None
    receiver = ScreenPopReceiver.objects.select_related("source").filter(key=key).first()
    if receiver is None or not receiver.source.enabled:
        return None
    try:
        if receiver.source.effective_options().get("screen_pop") is not True:
            return None
    except Exception:  # a source of a vendor no longer installed, or bad options
        return None
    return receiver


@require_GET
@never_cache
def receive(request: HttpRequest, key: str) -> HttpResponse:
    receiver = receiver_of(key)
    if receiver is None:
        return HttpResponse(CLOSE_PAGE, status=404, content_type="text/html; charset=utf-8")
    if not BUCKET.take(receiver.source_id):
        return _over_limit(receiver, request)
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY:
        return _reject(receiver, f"query longer than {MAX_QUERY}", request)
    try:
        pop = parse(folded(request))
    except BadPop as exc:
        return _reject(receiver, str(exc), request)
    if store(receiver, pop):
        transaction.on_commit(lambda: _tell_ingest(receiver.source_id))
    return _reply()


def store(receiver: ScreenPopReceiver, pop: Pop) -> bool:
    """A pending row for the pop; False for a call already popped at that extension."""
    try:
        with transaction.atomic():
            ScreenPop.objects.create(
                source_id=receiver.source_id, received_at=timezone.now(), **_fields(pop)
            )
    except IntegrityError:
        return False  # a replay, or a second URL of the same pop-up
    ScreenPopReceiver.objects.filter(pk=receiver.pk).update(accepted=F("accepted") + 1)
    return True


def _fields(pop: Pop) -> dict[str, Any]:
    return {
        "call_id": pop.call_id,
        "extension": pop.extension,
        "queue_code": pop.queue_code,
        "queue": pop.queue,
        "clid": pop.clid,
        "dnis": pop.dnis,
        "attach_data": pop.attach_data,
        "waiting_seconds": pop.waiting_seconds,
    }


def _tell_ingest(source_id: int) -> None:
    # Only a hint: ingest's sweep at its next reload finds the row anyway.
    try:
        async_to_sync(get_channel_layer().group_send)(
            messages.SCREEN_POPS_GROUP, messages.screen_pop(source_id)
        )
    except Exception as exc:
        log.warning("screen pop: ingest not told at once (%s); it will find it", exc)
