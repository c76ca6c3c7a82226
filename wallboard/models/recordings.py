"""Recorders and the tags ingest writes on their recordings (ingest/recordings.py).

A Recorder is one recording system (one tagger each, as one QMS Gateway per recording server):
its kind (integrations.RECORDERS), base URL, a credential kept sealed (never exported, shown or
logged), the key that matches agents to its users, and the sources whose calls it records.

A RecordingTag is one call segment at an extension, as the tagger saw it: looking for the
recording's ID after connect, found, queued to have its flags written (retried with backoff,
kept across restarts), written (never rewritten), or not tagged with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from integrations import RECORDER_LABELS, recorder

from .sources import Source

MATCH_KEYS = (("login", "agent login"), ("extension", "extension"), ("email", "e-mail"))

LOOKING = "looking"  # connected: asking the recorder for the recording's ID
FOUND = "found"  # the ID is known; the call goes on (flags written when the segment ends)
QUEUED = "queued"  # flags ready: to be written (again after a failure, at next_try)
WRITTEN = "written"
NOT_TAGGED = "not_tagged"  # with the reason; never guessed
TAG_STATES = (LOOKING, FOUND, QUEUED, WRITTEN, NOT_TAGGED)


def match_user(
    users: list[dict[str, str]], key: str, agent_id: str, extension: str, email: str
) -> dict[str, str] | None:
    """The recorder user an agent is, by the recorder's match key; None when none is."""
    wanted = {"login": agent_id, "extension": extension, "email": email.lower()}.get(key, "")
    if not wanted:
        return None
    for user in users:
        theirs = str(user.get(key, ""))
        if (theirs.lower() if key == "email" else theirs) == wanted:
            return user
    return None


def unmatched_agents(recorder: Recorder) -> list[tuple[str, str, str]]:
    """The agents of the recorder's sources that match none of its users: (source, agent ID,
    name), for the admin (their recordings are tagged without a recorder user)."""
    from .live import Agent

    out = []
    rows = Agent.objects.filter(source__in=recorder.sources.all(), gone=False).select_related(
        "source"
    )
    for agent in rows.order_by("source__name", "agent_id"):
        email = str((agent.extra or {}).get("email", ""))
        if (
            match_user(recorder.users, recorder.match_key, agent.agent_id, agent.extension, email)
            is None
        ):
            out.append((agent.source.name, agent.agent_id, agent.name))
    return out


class Recorder(models.Model):
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(
        max_length=32, choices=list(RECORDER_LABELS.items()), default="http_json"
    )
    base_url = models.CharField(max_length=300, help_text="e.g. https://recorder.example:8443/api")
    # Sealed like a source's credentials (wallboard/sourcesecrets.py); set in the admin only.
    secret = models.TextField(blank=True, default="", editable=False)
    match_key = models.CharField(
        max_length=16,
        choices=MATCH_KEYS,
        default="login",
        help_text="How an agent is matched to a recorder user: the agent ID to the user's "
        "login, the agent's extension to the user's, or the agent's e-mail (names directory "
        "or feed) to the user's.",
    )
    sources = models.ManyToManyField(
        Source, related_name="recorders", help_text="The sources whose calls it records."
    )
    lookup_window_seconds = models.PositiveIntegerField(
        default=10, help_text="How long after connect the recorder still gives a recording's ID."
    )
    enabled = models.BooleanField(default=True)
    # The recorder's users as last read (refreshed daily and from the admin action).
    users = models.JSONField(default=list, blank=True, editable=False)
    users_loaded_at = models.DateTimeField(null=True, blank=True, editable=False)
    users_error = models.CharField(max_length=300, blank=True, editable=False)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = recorder(self.kind).validate_url(self.base_url)
        if problems:
            raise ValidationError({"base_url": problems})

    def token(self) -> str:
        from wallboard.sourcesecrets import unseal

        return unseal(self.secret).get("token", "") if self.secret else ""

    def set_token(self, token: str) -> None:
        from wallboard.sourcesecrets import seal

        self.secret = seal({"token": token}) if token else ""

    def client(self, timeout: float = 5.0) -> Any:
        return recorder(self.kind).make_client(self.base_url, self.token(), timeout)

    def refresh_users(self) -> int:
        """Read the recorder's users now (blocking, with the client's timeout); how many."""
        module = recorder(self.kind)
        try:
            users = self.client().users()
        except module.RecorderError as exc:
            self.users_error = str(exc)[:300]
            self.save(update_fields=["users_error"])
            raise
        self.users = [
            {
                "id": u.user_id,
                "login": u.login,
                "extension": u.extension,
                "email": u.email,
                "name": u.name,
            }
            for u in users
        ]
        self.users_loaded_at, self.users_error = timezone.now(), ""
        self.save(update_fields=["users", "users_loaded_at", "users_error"])
        return len(users)


class RecordingTag(models.Model):
    recorder = models.ForeignKey(Recorder, on_delete=models.CASCADE, related_name="tags")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="recording_tags")
    call_key = models.CharField(max_length=100)  # the Call's ledger_key
    call_id = models.CharField(max_length=64)
    seq = models.PositiveSmallIntegerField()  # the CallSegment's
    extension = models.CharField(max_length=64, blank=True)
    agent_id = models.CharField(max_length=64, blank=True)
    user_id = models.CharField(max_length=100, blank=True)  # the matched recorder user
    status = models.CharField(max_length=12, choices=[(s, s) for s in TAG_STATES])
    reason = models.CharField(max_length=300, blank=True)  # why not tagged; the last failure
    connected_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    recording_id = models.CharField(max_length=200, blank=True)
    recording_url = models.CharField(max_length=500, blank=True)
    flags = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_try = models.DateTimeField(null=True, blank=True)
    written_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-connected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorder", "source", "call_key", "seq"], name="one_tag_per_segment"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_try"], name="tag_status_next_try"),
            models.Index(fields=["source", "call_key"], name="tag_call"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} segment {self.seq}: {self.status}"


def recordings_of(calls: Iterable[Any]) -> dict[tuple[int, str], list[RecordingTag]]:
    """Each call's tags, by (source id, ledger key), in segment order: one query for a page."""
    calls = list(calls)
    out: dict[tuple[int, str], list[RecordingTag]] = {}
    keys = {c.ledger_key for c in calls if c.ledger_key}
    if not keys:
        return out
    tags = RecordingTag.objects.filter(
        source_id__in={c.source_id for c in calls}, call_key__in=keys
    ).select_related("recorder")
    for tag in tags.order_by("seq", "recorder__name"):
        out.setdefault((tag.source_id, tag.call_key), []).append(tag)
    return out


def recording_json(
    tags: list[RecordingTag] | None, call: Any = None, source_name: str = ""
) -> dict[str, str] | None:
    """A call's recording for the API: the first segment's that has one, else the one the
    feed itself named (a call table's recording look-up, `extra["recording"]`: `source` is
    then the feed's source), else None."""
    for tag in tags or ():
        if tag.recording_id:
            return {
                "id": tag.recording_id,
                "url_or_path": tag.recording_url,
                "source": tag.recorder.name,
            }
    named = (getattr(call, "extra", None) or {}).get("recording")
    if isinstance(named, dict) and named.get("id") and named.get("url_or_path"):
        return {
            "id": str(named["id"])[:200],
            "url_or_path": str(named["url_or_path"])[:500],
            "source": source_name,
        }
    return None


def link_of(url_or_path: str) -> str:
    """What the call log may put in an href: a web URL as it is, a file path (Optimus gives
    one, e.g. \\\\server\\rec\\1.wav) as a file: URL, anything else nothing."""
    if url_or_path.startswith(("http://", "https://")):
        return url_or_path
    if url_or_path.startswith("\\\\"):
        return "file:" + url_or_path.replace("\\", "/")
    if url_or_path.startswith("/"):
        return "file://" + url_or_path
    return ""
