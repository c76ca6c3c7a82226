"""Alerts off the wall: runingest's evaluator, beside the tick loop.

Every ALERT_EVALUATE_SECONDS the leader (only the process running the sources runs this) reads
the enabled rules and looks at the same figures the boards show: a KPI rule's queues are loaded
into a queue-KPI tile runtime of the board engine from the workers' live state in memory, so the
value is the one a tile of those queues shows; a source's staleness is the publisher's one
source-state view (what the displays are told); a pass-through target's state is its worker's.

What must survive a restart is in the database: each rule's hold timer (AlertCondition) and its
open alerts (Alert, at most one per rule and subject: a unique constraint). A restarted ingest
therefore neither raises an open alert again nor starts a hold time from scratch. Data that is
not live (a stale source, a source this process does not run) decides nothing: an open alert
stays open and a hold timer stays as it is until live figures say otherwise.

Deliveries (ingest/alert_delivery.py) go out from the rows made here, one per alert, channel
and event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from django.db import DatabaseError, IntegrityError, InterfaceError, transaction
from django.utils import timezone

from integrations.base import LOGGED_OUT, OVERFLOW
from wallboard.engine import kind_of, new_tile, tile_definition
from wallboard.engine.kinds import QUEUE_KPI
from wallboard.engine.kpis import AGENT_COUNT_KPIS, KPIS
from wallboard.engine.maths import Threshold, level, number
from wallboard.engine.service import ServiceLevels
from wallboard.engine.tiles import TileRuntime
from wallboard.lib.alerting import in_hours, parse_days
from wallboard.lib.ranges import IdRange

if TYPE_CHECKING:
    from .pacing import Pacing
    from .worker import SourceWorker


class Runner(Protocol):
    """What the evaluator reads of the runner (ingest.runner.Runner)."""

    @property
    def workers(self) -> Mapping[int, SourceWorker]: ...

    @property
    def publisher(self) -> Any: ...

    @property
    def pacing(self) -> Pacing: ...

    @property
    def started(self) -> asyncio.Event: ...

    @property
    def background_db(self) -> Callable[..., Awaitable[Any]]: ...


log = logging.getLogger(__name__)

ALL_QUEUES = ""  # the subject of a rule over its set of queues


@dataclass(frozen=True, slots=True)
class Rule:
    """An AlertRule as the evaluator needs it (read in the database thread)."""

    id: int
    name: str
    kind: str
    severity: str
    source_id: int | None
    queue_kind: str
    queue_range: IdRange
    kpi: str
    direction: str
    level: float | None
    hold_seconds: int
    open_days: frozenset[int]
    opens_at: time | None
    closes_at: time | None
    cooldown_seconds: int
    quiet_from: time | None
    quiet_until: time | None
    channel_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Observation:
    """A rule's condition for one subject, as the live figures show it now."""

    subject: str
    label: str
    active: bool
    value: float | str | None
    summary: str


@dataclass(slots=True)
class Outcome:
    """What one evaluation changed (for the log and the sender)."""

    raised: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    deliveries: int = 0


def load_rules() -> tuple[list[Rule], ServiceLevels]:
    """The enabled rules, and the service-level settings a KPI tile computes with."""
    from wallboard.models import AlertRule
    from wallboard.models.service import service_levels

    rules = []
    for r in AlertRule.objects.filter(enabled=True).prefetch_related("channels"):
        rules.append(
            Rule(
                id=r.pk,
                name=r.name,
                kind=r.kind,
                severity=r.severity,
                source_id=r.source_id,
                queue_kind=r.queue_kind,
                queue_range=IdRange(r.queue_range),
                kpi=r.kpi,
                direction=r.direction,
                level=r.level,
                hold_seconds=r.hold_seconds,
                open_days=parse_days(r.open_days),
                opens_at=r.opens_at,
                closes_at=r.closes_at,
                cooldown_seconds=r.cooldown_seconds,
                quiet_from=r.quiet_from,
                quiet_until=r.quiet_until,
                channel_ids=tuple(c.pk for c in r.channels.all() if c.enabled),
            )
        )
    return rules, service_levels()


# -- observing: the live figures ---------------------------------------------------------------


class Observer:
    """A rule's observations from what the runner holds in memory: its workers' live state and
    its publisher's source states (the boards' own)."""

    def __init__(self, runner: Runner, levels: ServiceLevels) -> None:
        self.runner = runner
        self.levels = levels
        self.states = _source_states(runner)
        self.stale = {int(k) for k, v in self.states.items() if v["stale"]}

    def observe(self, rule: Rule, now: datetime) -> dict[str, Observation] | None:
        """Each subject's observation; None: the figures are not live, nothing is decided."""
        if rule.kind in ("kpi", "no_agents") and self._switched_off(rule.source_id):
            label = self._label(rule)
            off = "The source is switched off"
            return {ALL_QUEUES: Observation(ALL_QUEUES, label, False, None, off)}
        if rule.kind == "kpi":
            return self._kpi(rule)
        if rule.kind == "no_agents":
            return self._staffing(rule, now)
        if rule.kind == "source_stale":
            return self._sources(rule)
        if rule.kind == "target_down":
            return self._targets(rule)
        return None

    def _tile(self, rule: Rule, kpi: str) -> TileRuntime | None:
        """A queue-KPI tile of the rule's queues, loaded from the live rows (None: one of its
        sources is not live here)."""
        definition = tile_definition(kind_of(QUEUE_KPI), tile_id=0, kpis=[kpi])
        tile = new_tile(
            definition,
            source_id=rule.source_id,
            queue_kind=rule.queue_kind,
            queue_range=rule.queue_range,
            levels=self.levels,
        )
        workers = self.runner.workers
        wanted = [rule.source_id] if rule.source_id is not None else list(workers)
        if not wanted:
            return None
        # Only the agent counts need the agents (thousands of them on a large site).
        with_agents = kpi in AGENT_COUNT_KPIS or kpi == "agents_staffed"
        for source_id in wanted:
            worker = workers.get(source_id)
            if worker is None:
                return None
            live = worker.live
            queues = [(row, live.today.get(key, {})) for key, row in live.queues.items()]
            agents = (
                [(a, live.since.get(i, 0.0)) for i, a in live.agents.items()] if with_agents else []
            )
            tile.load(source_id, queues, agents)
        # Stale rows in the figure (or, with none, a stale source that might have had some):
        # not live, so nothing is decided. Another source's staleness does not matter.
        if any(s in self.stale for s in tile.sources() or wanted):
            return None
        tile.update(self.stale)
        return tile

    def _switched_off(self, source_id: int | None) -> bool:
        state = self.states.get(str(source_id)) if source_id is not None else None
        return state is not None and not state.get("enabled", True)

    def _label(self, rule: Rule) -> str:
        kind = rule.queue_kind or "queues"
        which = rule.queue_range.text or "all"
        source = self._source_name(rule.source_id) if rule.source_id else "every source"
        return f"{kind} {which} of {source}"

    def _source_name(self, source_id: int | None) -> str:
        state = self.states.get(str(source_id))
        return str(state["name"]) if state else f"source {source_id}"

    def _kpi(self, rule: Rule) -> dict[str, Observation] | None:
        tile = self._tile(rule, rule.kpi)
        if tile is None or tile.value is None or rule.level is None:
            return None
        value = tile.value["kpis"][rule.kpi]["v"]
        threshold: Threshold = {"direction": rule.direction, "warning": None, "alarm": rule.level}
        active = level(value, threshold) == "alarm"
        label = KPIS[rule.kpi].label if rule.kpi in KPIS else rule.kpi
        shown = _shown(value)
        summary = (
            f"{label} is {shown}, {rule.direction} {_shown(rule.level)}"
            if active
            else f"{label} is {shown}, back within {_shown(rule.level)}"
        )
        return {ALL_QUEUES: Observation(ALL_QUEUES, self._label(rule), active, value, summary)}

    def _staffing(self, rule: Rule, now: datetime) -> dict[str, Observation] | None:
        local = timezone.localtime(now)
        label = self._label(rule)
        if not in_hours(local, rule.open_days, rule.opens_at, rule.closes_at):
            return {ALL_QUEUES: Observation(ALL_QUEUES, label, False, None, "Closed now")}
        tile = self._tile(rule, "agents_staffed")
        if tile is None or tile.value is None:
            return None
        staffed: Any = tile.value["kpis"]["agents_staffed"]["v"]
        if not tile.queues:  # an agent feed: the tile's distinct agents
            counts = tile.counts
            staffed = sum(counts.values()) - counts.get(LOGGED_OUT, 0)
        if number(staffed) is None:
            return None  # the feed does not say
        active = number(staffed) == 0
        summary = (
            "No agent staffed in opening hours" if active else f"{_shown(staffed)} agents staffed"
        )
        return {ALL_QUEUES: Observation(ALL_QUEUES, label, active, staffed, summary)}

    def _sources(self, rule: Rule) -> dict[str, Observation]:
        found = {}
        for key, state in self.states.items():
            if rule.source_id is not None and int(key) != rule.source_id:
                continue
            if not state.get("enabled", True):
                continue  # switched off on purpose: nothing to alert about
            stale = bool(state["stale"])
            problem = str(state.get("problem") or "")
            if not stale:
                summary = "Live again"
            elif not state.get("connected"):
                summary = "Down: not connected" + (f" ({problem})" if problem else "")
            else:
                summary = "Stale: connected, no data" + (f" ({problem})" if problem else "")
            last = state.get("last_data_at")
            value = (
                timezone.localtime(datetime.fromtimestamp(last / 1000, tz=UTC)).isoformat(
                    timespec="seconds"
                )
                if last
                else None
            )
            subject = f"source:{key}"
            found[subject] = Observation(subject, str(state["name"]), stale, value, summary)
        return found

    def _targets(self, rule: Rule) -> dict[str, Observation] | None:
        workers = self.runner.workers
        if rule.source_id is not None and rule.source_id not in workers:
            return None
        found = {}
        for source_id, worker in workers.items():
            if rule.source_id is not None and source_id != rule.source_id:
                continue
            for target in worker.targets.values():
                # Not connected after trying (a target is dialled once there are bytes for it).
                down = not target.connected and bool(target.last_error)
                subject = f"target:{target.id}"
                label = f"{worker.name} to {target.host}:{target.port}"
                summary = f"Down: {target.last_error}" if down else "Connected again"
                found[subject] = Observation(subject, label, down, None, summary)
        return found


def _source_states(runner: Runner) -> dict[str, dict[str, Any]]:
    publisher = runner.publisher
    states = getattr(publisher, "source_states", None)
    if callable(states):
        found: dict[str, dict[str, Any]] = states()
        return found
    return {  # a runner without the board publisher (tests of ingest alone)
        str(source_id): {
            "name": w.config.display_name,
            "stale": w.stale,
            "connected": w.connected,
            "enabled": True,
            "last_data_at": int(w.last_data_at * 1000) if w.last_data_at else None,
            "problem": w.problem or (w.last_error if w.stale else ""),
        }
        for source_id, w in runner.workers.items()
    }


def _shown(value: object) -> str:
    if value == OVERFLOW:
        return "overflow"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "blank" if value is None else str(value)


# -- deciding: the database ----------------------------------------------------------------


def in_quiet_hours(rule: Rule, now: datetime) -> bool:
    if rule.quiet_from is None or rule.quiet_until is None:
        return False
    return in_hours(timezone.localtime(now), range(7), rule.quiet_from, rule.quiet_until)


def apply(
    rules: list[Rule], observed: Mapping[int, dict[str, Observation] | None], now: datetime
) -> Outcome:
    """Bring conditions, alerts and deliveries in line with what was observed (one
    transaction): hold timers start or stop, alerts held long enough are raised, alerts whose
    condition cleared are resolved, each with its deliveries."""
    from wallboard.models import Alert, AlertCondition

    outcome = Outcome()
    with transaction.atomic():
        for rule in rules:
            observations = observed.get(rule.id)
            if observations is None:
                continue  # not live: nothing decided
            _apply_rule(rule, observations, now, outcome)
        # Rules switched off or deleted: their alerts end, their timers go.
        enabled = [r.id for r in rules]
        AlertCondition.objects.exclude(rule_id__in=enabled).delete()
        for alert in Alert.objects.filter(resolved_at__isnull=True).exclude(rule_id__in=enabled):
            _resolve(alert, now, "the rule was switched off or deleted", alert.last_value, outcome)
    return outcome


def _apply_rule(
    rule: Rule, observations: dict[str, Observation], now: datetime, outcome: Outcome
) -> None:
    from wallboard.models import Alert, AlertCondition

    conditions = {c.subject: c for c in AlertCondition.objects.filter(rule_id=rule.id)}
    open_alerts = {
        a.subject: a for a in Alert.objects.filter(rule_id=rule.id, resolved_at__isnull=True)
    }
    for subject, seen in observations.items():
        alert = open_alerts.get(subject)
        condition = conditions.get(subject)
        if not seen.active:
            if condition is not None:
                condition.delete()
            if alert is not None:
                _resolve(alert, now, seen.summary, seen.value, outcome)
            continue
        if condition is None:
            condition = AlertCondition.objects.create(rule_id=rule.id, subject=subject, since=now)
        if alert is not None:
            if alert.last_value != seen.value:
                alert.last_value = seen.value
                alert.save(update_fields=["last_value"])
        elif now - condition.since >= timedelta(seconds=rule.hold_seconds):
            _raise(rule, seen, condition.since, now, outcome)
    for subject, alert in open_alerts.items():
        if subject not in observations and _gone(subject):
            _resolve(alert, now, "no longer configured", alert.last_value, outcome)
    for subject, condition in conditions.items():
        if subject not in observations and _gone(subject):
            condition.delete()


def _gone(subject: str) -> bool:
    """Whether a source's or a target's subject is no longer there to watch (removed or
    switched off); a rule's queues (the empty subject) never are."""
    from wallboard.models import PassThroughTarget, Source

    kind, _, key = subject.partition(":")
    if kind == "source":
        return not Source.objects.filter(pk=int(key), enabled=True).exists()
    if kind == "target":
        return not PassThroughTarget.objects.filter(
            pk=int(key), enabled=True, source__enabled=True
        ).exists()
    return False


def _raise(rule: Rule, seen: Observation, since: datetime, now: datetime, outcome: Outcome) -> None:
    from wallboard.models import Alert, AlertDelivery

    why = _not_notified(rule, seen.subject, now)
    try:
        with transaction.atomic():  # another process raised it first: theirs stands
            alert = Alert.objects.create(
                rule_id=rule.id,
                rule_name=rule.name,
                kind=rule.kind,
                severity=rule.severity,
                subject=seen.subject,
                subject_label=seen.label[:300],
                summary=seen.summary[:500],
                value=seen.value,
                last_value=seen.value,
                condition_since=since,
                raised_at=now,
                not_notified=why,
            )
    except IntegrityError:
        return
    outcome.raised.append(f"{rule.name}: {seen.label}: {seen.summary}")
    if not why:
        outcome.deliveries += _deliver(alert, rule.channel_ids, AlertDelivery.RAISED, now)


def _not_notified(rule: Rule, subject: str, now: datetime) -> str:
    """Why a new alert is not to be notified ("" when it is)."""
    from wallboard.models import Alert

    if in_quiet_hours(rule, now):
        return "quiet hours"
    if not rule.channel_ids:
        return "no channels"
    since = now - timedelta(seconds=rule.cooldown_seconds)
    recent = Alert.objects.filter(
        rule_id=rule.id, subject=subject, not_notified="", raised_at__gte=since
    )
    if rule.cooldown_seconds and recent.exists():
        return "cooldown"
    return ""


def _resolve(alert: Any, now: datetime, why: str, value: Any, outcome: Outcome) -> None:
    """Resolve an open alert; each channel that was told of it is told it cleared (in quiet
    hours too: it closes what people were already told)."""
    from wallboard.models import AlertDelivery

    alert.resolved_at = now
    alert.resolution = why[:200]
    alert.last_value = value
    alert.save(update_fields=["resolved_at", "resolution", "last_value"])
    outcome.resolved.append(f"{alert.rule_name}: {alert.subject_label}: {why}")
    told = AlertDelivery.objects.filter(
        alert=alert, event=AlertDelivery.RAISED, channel__isnull=False
    ).values_list("channel_id", flat=True)
    outcome.deliveries += _deliver(alert, tuple(told), AlertDelivery.RESOLVED, now)


def _deliver(alert: Any, channel_ids: tuple[int, ...], event: str, now: datetime) -> int:
    from wallboard.models import AlertChannel, AlertDelivery

    made = 0
    for channel in AlertChannel.objects.filter(pk__in=channel_ids):
        _, created = AlertDelivery.objects.get_or_create(
            alert=alert,
            channel=channel,
            event=event,
            defaults={
                "channel_name": channel.name,
                "target": channel.target()[:1000],
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        made += created
    return made


# -- the task beside the tick loop ---------------------------------------------------------


class AlertEvaluator:
    """Evaluates the rules every `every` seconds at a quiet moment, and has the deliveries
    sent (alert_delivery.Sender) as soon as an evaluation made some."""

    def __init__(self, runner: Runner, every: float, sender: Any = None) -> None:
        self.runner = runner
        self.every = every
        self.sender = sender
        self.evaluations = 0

    async def run(self) -> None:
        runner = self.runner
        await runner.started.wait()
        sending = (
            asyncio.create_task(self.sender.run(), name="alert deliveries")
            if self.sender is not None
            else None
        )
        try:
            while True:
                await runner.pacing.quiet_moment(runner.workers.values())
                try:
                    await self.evaluate()
                except (DatabaseError, InterfaceError) as exc:
                    log.error("alerts: database unavailable (%s); evaluating again later", exc)
                await asyncio.sleep(self.every)
        finally:
            if sending is not None:
                sending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sending
                await self.sender.finish()

    async def evaluate(self, now: datetime | None = None) -> Outcome:
        db = self.runner.background_db
        rules, levels = await db(load_rules)
        now = now or timezone.now()
        observer = Observer(self.runner, levels)
        observed = {rule.id: observer.observe(rule, now) for rule in rules}
        outcome: Outcome = await db(apply, rules, observed, now)
        self.evaluations += 1
        for line in outcome.raised:
            log.warning("alert raised: %s", line)
        for line in outcome.resolved:
            log.info("alert resolved: %s", line)
        if outcome.deliveries and self.sender is not None:
            self.sender.wake()
        return outcome
