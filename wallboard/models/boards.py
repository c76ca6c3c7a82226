"""Boards (screen layouts), their tiles and thresholds, tickers and rotations."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from wallboard.engine import kinds
from wallboard.engine.kpis import AGENT_TIME_KPIS, KPIS
from wallboard.jsontext import CompactEncoder
from wallboard.lib.ranges import validate_range

from .sources import Source

# The KPI catalogue and the tile kinds are the board engine's (wallboard.engine): the choices
# and checks here ask them.
KPI_CHOICES = [(k.key, k.label) for k in KPIS.values()]
# Agent-grid thresholds: seconds an agent has been in a state.
AGENT_TIME_CHOICES = [(t.key, t.label) for t in AGENT_TIME_KPIS.values()]


SOUND_CHOICES = [
    ("none", "no sound"),
    ("once", "once, when the alarm starts"),
    ("repeat", "repeat until acknowledged"),
]


def new_display_key() -> str:
    return secrets.token_urlsafe(24)


def _check_range(value: str) -> None:
    problem = validate_range(value)
    if problem:
        raise ValidationError(f"Not a valid ID range: {problem}")


def _check_kpis(value: str) -> None:
    unknown = [k for k in split_kpis(value) if k not in KPIS]
    if unknown:
        raise ValidationError(f"Unknown KPI {', '.join(unknown)}. Choose from: {', '.join(KPIS)}")


def split_kpis(value: str) -> list[str]:
    return [k.strip() for k in value.replace(" ", ",").split(",") if k.strip()]


STANDARD_PALETTE = "standard"
PALETTE_CHOICES = [
    (STANDARD_PALETTE, "Standard"),
    ("deuteranopia", "Colour-blind safe (deuteranopia)"),
]


class Board(models.Model):
    title = models.CharField(max_length=100)
    slug = models.SlugField(max_length=64, unique=True)
    theme = models.CharField(
        max_length=8, choices=[("dark", "Dark"), ("light", "Light")], default="dark"
    )
    palette = models.CharField(
        max_length=16,
        choices=PALETTE_CHOICES,
        default=STANDARD_PALETTE,
        help_text="Agent state colours. The colour-blind safe one keeps available, wrap-up and "
        "not ready apart under deuteranopia (red-green colour blindness); every state also "
        "has its own pattern and mark.",
    )
    columns = models.PositiveSmallIntegerField(
        default=3, help_text="Grid columns; tiles span one or more."
    )
    display_key = models.CharField(
        max_length=64,
        unique=True,
        default=new_display_key,
        help_text="Opens this board (and nothing else) without a login. Regenerate to revoke.",
    )
    alarm_sound = models.CharField(
        max_length=8,
        choices=SOUND_CHOICES,
        default="none",
        help_text="The sound of an alarm on this board, unless its threshold says otherwise.",
    )
    alarm_repeat_seconds = models.PositiveIntegerField(
        default=30, help_text="With 'repeat': seconds between two sounds."
    )
    muted_until = models.DateTimeField(
        null=True, blank=True, help_text="No alarm sound on this board's displays until then."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def display_path(self) -> str:
        return f"/boards/{self.slug}/?key={self.display_key}"

    def clean(self) -> None:
        if self.columns is not None and not 1 <= self.columns <= 12:
            raise ValidationError({"columns": "From 1 to 12 columns."})


class Tile(models.Model):
    # The kinds of today's boards by name (the demo's and tests' configuration); the registry
    # (wallboard.engine.kinds) holds every kind, these and any other.
    QUEUE_KPI = kinds.QUEUE_KPI
    BIG_NUMBER = kinds.BIG_NUMBER
    QUEUE_TABLE = kinds.QUEUE_TABLE
    AGENT_GRID = kinds.AGENT_GRID
    CLOCK = kinds.CLOCK
    TICKER = kinds.TICKER

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="tiles")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=kinds.tile_kind_choices)
    title = models.CharField(max_length=100, blank=True)
    width = models.PositiveSmallIntegerField(default=1, help_text="Grid columns it spans.")
    height = models.PositiveSmallIntegerField(default=1, help_text="Grid rows it spans.")
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text="Only this source's queues and agents; blank = every source.",
    )
    queue_kind = models.CharField(
        max_length=16,
        blank=True,
        choices=[("", "any")] + [(k, k) for k in ("skill", "vdn", "group", "path", "queue")],
    )
    queue_range = models.CharField(
        max_length=500,
        blank=True,
        validators=[_check_range],
        help_text="Queues shown or aggregated, e.g. 3, 12 or 1-99; a queue code that is not a "
        "number (Optimus) in quotes, e.g. 'SALES'. Blank = all.",
    )
    agent_range = models.CharField(
        max_length=500,
        blank=True,
        validators=[_check_range],
        help_text="Agent grid: agent IDs, e.g. 5000-5099; an agent code that is not a number "
        "in quotes, e.g. 'AG01'. Blank = all (of the chosen queues).",
    )
    kpis = models.CharField(
        max_length=300,
        blank=True,
        validators=[_check_kpis],
        help_text="KPIs, comma separated (big number: the first). E.g. calls_waiting, "
        "oldest_wait_seconds, service_level_pct.",
    )
    compact = models.BooleanField(
        default=False, help_text="Agent grid: small cells, for 60 agents or more."
    )

    class Meta:
        ordering = ["board", "order", "id"]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    def kpi_list(self) -> list[str]:
        return split_kpis(self.kpis)

    def clean(self) -> None:
        kind = kinds.kind_of(self.kind)
        if kind.one_kpi and len(self.kpi_list()) != 1:
            raise ValidationError({"kpis": f"A {kind.noun or kind.label} shows exactly one KPI."})


# The rule of wallboard.engine.maths.level, as the admin says it.
THRESHOLD_RULE = (
    "A value is flagged only when it is strictly beyond a level: with 'alarm when below' "
    "and an alarm level of 80, 79.9 is an alarm and 80 is not; with 'alarm when above' and a "
    "warning level of 5, 6 calls waiting is a warning and 5 is not."
)


class Threshold(models.Model):
    ABOVE = "above"
    BELOW = "below"
    tile = models.ForeignKey(Tile, on_delete=models.CASCADE, related_name="thresholds")
    kpi = models.CharField(max_length=32, choices=KPI_CHOICES + AGENT_TIME_CHOICES)
    direction = models.CharField(
        max_length=8,
        choices=[(ABOVE, "alarm when above"), (BELOW, "alarm when below")],
        default=ABOVE,
        help_text=THRESHOLD_RULE,
    )
    warning = models.FloatField(
        null=True,
        blank=True,
        help_text="Flagged as a warning when the value is beyond this level (not at it).",
    )
    alarm = models.FloatField(
        null=True,
        blank=True,
        help_text="Flagged as an alarm when the value is beyond this level (not at it); "
        "as far out as the warning level or further.",
    )
    clear = models.FloatField(
        null=True,
        blank=True,
        help_text="Once in alarm, the tile stays in alarm until the value comes back to this "
        "level or past it (hysteresis). Blank = the alarm level.",
    )
    hold_seconds = models.PositiveIntegerField(
        default=0,
        help_text="The value must stay beyond the alarm level this many seconds before the "
        "tile enters alarm.",
    )
    sound = models.CharField(
        max_length=8,
        blank=True,
        choices=[("", "the board's sound"), *SOUND_CHOICES],
        help_text="The display's sound for this alarm; blank = the board's.",
    )
    repeat_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="With 'repeat': seconds between sounds; blank = the board's.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tile", "kpi"], name="one_threshold_per_kpi"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.direction} {self.warning}/{self.alarm}"

    def clean(self) -> None:
        if self.warning is None and self.alarm is None:
            raise ValidationError("Give a warning level, an alarm level or both.")
        if self.warning is not None and self.alarm is not None:
            wrong = (
                self.alarm < self.warning
                if self.direction == self.ABOVE
                else (self.alarm > self.warning)
            )
            if wrong:
                raise ValidationError(
                    "The alarm level must be beyond the warning level "
                    f"({'higher' if self.direction == self.ABOVE else 'lower'})."
                )
        if self.clear is not None:
            if self.alarm is None:
                raise ValidationError({"clear": "A clear level needs an alarm level."})
            if self.clear > self.alarm if self.direction == self.ABOVE else self.clear < self.alarm:
                raise ValidationError(
                    {
                        "clear": "The clear level must be at the alarm level or on its safe side "
                        f"({'lower' if self.direction == self.ABOVE else 'higher'})."
                    }
                )


class TickerMessage(models.Model):
    board = models.ForeignKey(
        Board,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        help_text="Blank shows it on every board with a ticker tile.",
    )
    text = models.CharField(max_length=500)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Rotation(models.Model):
    """A playlist of boards, opened as one display URL."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=64, unique=True)
    display_key = models.CharField(max_length=64, unique=True, default=new_display_key)
    jump_to_alarm = models.BooleanField(
        default=False,
        help_text="Jump to a board of this rotation that is in alarm, and stay there while "
        "the alarm lasts.",
    )
    theme = models.CharField(
        max_length=8,
        blank=True,
        default="",
        choices=[
            ("", "Keep the first board's theme and palette"),
            ("each", "Each board its own theme and palette"),
            ("dark", "Dark, with the first board's palette"),
            ("light", "Light, with the first board's palette"),
        ],
        help_text="A screen that flips from dark to light between boards is hard to watch: "
        "by default a rotation keeps one look.",
    )

    def __str__(self) -> str:
        return self.name

    def display_path(self) -> str:
        return f"/rotations/{self.slug}/?key={self.display_key}"


class RotationEntry(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="entries")
    board = models.ForeignKey(Board, on_delete=models.CASCADE)
    seconds = models.PositiveIntegerField(default=30)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["rotation", "order", "id"]
        verbose_name_plural = "rotation entries"


class BoardState(models.Model):
    """A board's tile values at a sequence number, and its alarms, written whole by ingest's
    publisher now and then (BoardUpdate holds the updates since); a display connecting gets
    this state with those updates applied as its snapshot."""

    board = models.OneToOneField(Board, on_delete=models.CASCADE, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    tiles = models.JSONField(default=dict, encoder=CompactEncoder)
    updated_at = models.DateTimeField(auto_now=True)


class BoardUpdate(models.Model):
    """One of a board's updates since its state (BoardState) was written, as its displays got
    it (the `update` message's text). Written after each batch instead of the whole state;
    those at or before the state's seq are deleted when the state is written again."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["board", "seq"], name="boardupdate_board_seq")
        ]


class TileAck(models.Model):
    """The last acknowledgement of a tile's alarms: an alarm that began before it no longer
    flashes (its colour stays); a later one does. Read by ingest, which publishes it."""

    tile = models.OneToOneField(Tile, on_delete=models.CASCADE, primary_key=True)
    acknowledged_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    def __str__(self) -> str:
        return f"{self.tile} acknowledged at {self.acknowledged_at:%H:%M:%S}"


class PriorityMessage(models.Model):
    """A supervisor's message that takes over chosen screens, full screen, until it expires."""

    text = models.TextField(max_length=500)
    boards = models.ManyToManyField(
        Board, blank=True, related_name="priority_messages", help_text="Displays of these boards"
    )
    rotations = models.ManyToManyField(
        Rotation, blank=True, related_name="priority_messages", help_text="and of these rotations."
    )
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Blank = at once.")
    expires_at = models.DateTimeField(
        help_text="The message leaves the screens then, even those offline at the time."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-expires_at"]

    def __str__(self) -> str:
        return self.text[:60]

    def clean(self) -> None:
        if self.starts_at and self.expires_at and self.expires_at <= self.starts_at:
            raise ValidationError({"expires_at": "It must expire after it starts."})
