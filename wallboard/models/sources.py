"""Sources (one configured feed each), their pass-through targets, and their live health."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from integrations import VENDOR_LABELS, VENDORS, integration, vendor_info
from wallboard.lib.addresses import AddressError, parse_address, parse_peers
from wallboard.lib.ranges import validate_range
from wallboard.lib.tls import TlsSettingsError, client_context


def _check_range(value: str) -> None:
    problem = validate_range(value)
    if problem:
        raise ValidationError(f"Not a valid ID range: {problem}. Example: 1-99, 200-299, 310")


def _check_peers(value: str) -> None:
    try:
        parse_peers(value)
    except AddressError as exc:
        raise ValidationError(str(exc)) from exc


def _check_address(value: str) -> None:
    if value:
        try:
            parse_address(value)
        except AddressError as exc:
            raise ValidationError(str(exc)) from exc


# Options any source may take, whatever its vendor (kept from the vendor's own options):
# "agent_states_from": the name of another source whose agent states fill this source's
# agents' unknown states (same agent IDs; ingest/worker.py, SourceWorker._overlay).
NEUTRAL_OPTIONS = ("agent_states_from",)


class Source(models.Model):
    """One feed: an Avaya CMS RTS session, a Mitel PBX, an Optimus server connection."""

    name = models.SlugField(
        max_length=64, unique=True, help_text="A short unique name, e.g. cms-skills or pbx-1."
    )
    display_name = models.CharField(
        max_length=100,
        blank=True,
        help_text='What wall displays call this feed ("Avaya skills", "PBX 1"); blank: the name.',
    )
    enabled = models.BooleanField(default=True)
    vendor = models.CharField(max_length=32, choices=list(VENDOR_LABELS.items()))
    layout = models.CharField(
        max_length=32,
        blank=True,
        help_text="The report layout: Avaya tvi1 (skills), agent_tv (agents) or cvdn (VDNs). "
        "Blank takes the vendor's default.",
    )
    listen = models.CharField(
        max_length=100,
        blank=True,
        validators=[_check_address],
        help_text="Address to listen on when the phone system connects to us, e.g. 0.0.0.0:7001.",
    )
    connect = models.CharField(
        max_length=255,
        blank=True,
        validators=[_check_address],
        help_text="Address to connect to when we connect to the phone system, e.g. 10.0.0.7:15373.",
    )
    allowed_peers = models.CharField(
        max_length=1000,
        blank=True,
        validators=[_check_peers],
        help_text="For listening sources: IP addresses or networks allowed to connect, comma "
        "separated; a connection from anyone else is refused and logged. Blank allows anyone "
        "(manage.py check warns: give the CMS server's address).",
    )
    refresh_seconds = models.PositiveIntegerField(
        default=15,
        help_text="How often the feed sends data. The source counts as stale, and its displays "
        "say so, when no complete batch arrives within twice this.",
    )
    queue_range = models.CharField(
        max_length=1000,
        blank=True,
        validators=[_check_range],
        help_text="Skill/split, VDN, group, path or queue numbers to keep, e.g. 1-99, 200-299, "
        "310. A queue code that is not a number (Optimus) goes in quotes: 'SALES'. Blank keeps "
        "everything.",
    )
    agent_range = models.CharField(
        max_length=1000,
        blank=True,
        validators=[_check_range],
        help_text="Agent IDs to keep, e.g. 5000-5999; an agent code that is not a number "
        "(Optimus) in quotes, e.g. 'AG01'. Blank keeps everything.",
    )
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text="Vendor options. Avaya agent_tv: 'columns' (the report's column order) and "
        "'state_map' (state word or work mode -> available, ringing, on_call, wrap_up, "
        "not_ready, other, logged_out, unknown). Blank takes the defaults.",
    )
    compat_file = models.CharField(
        max_length=500,
        blank=True,
        help_text="Mitel only: keep the old ACD listener's JSON document written to this path "
        "(replaced atomically), for boards and scripts built on it.",
    )
    # The vendor's credential options (VendorInfo.secret_options), sealed (wallboard/
    # sourcesecrets.py): never shown, exported or logged; set in the admin only.
    secrets = models.TextField(blank=True, default="", editable=False)
    tls = models.BooleanField(
        "TLS",
        default=False,
        help_text="Connect sources: speak TLS on the link, checking the phone system's "
        "certificate against the CA file below (or the system's trusted CAs) and the host name "
        "or address in 'connect'.",
    )
    tls_ca_file = models.CharField(
        "TLS CA file",
        max_length=500,
        blank=True,
        help_text="Path (on the server running runingest) of the PEM file of the CA that signed "
        "the phone system's certificate, e.g. the site's own CA. Blank: the system's CAs.",
    )
    tls_cert_file = models.CharField(
        "TLS client certificate",
        max_length=500,
        blank=True,
        help_text="Only if the phone system asks for one: PEM certificate (chain) to present.",
    )
    tls_key_file = models.CharField(
        "TLS client key",
        max_length=500,
        blank=True,
        help_text="The client certificate's PEM private key (blank: in the certificate file).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        """The name wall displays use."""
        return self.display_name or self.name

    @property
    def effective_layout(self) -> str:
        return self.layout or integration(self.vendor).VENDOR.layouts[0]

    def effective_options(self) -> dict[str, Any]:
        """The vendor's options (defaults merged); the neutral options are not among them."""
        merged = dict(integration(self.vendor).default_options(self.effective_layout))
        merged.update(self.options or {})
        for key in NEUTRAL_OPTIONS:
            merged.pop(key, None)
        return merged

    @property
    def agent_states_from(self) -> str:
        options = self.options if isinstance(self.options, dict) else {}
        value = options.get("agent_states_from")
        return value if isinstance(value, str) else ""

    def _neutral_problems(self) -> list[str]:
        options = self.options if isinstance(self.options, dict) else {}
        if "agent_states_from" not in options:
            return []
        other = options["agent_states_from"]
        if not isinstance(other, str) or not other:
            return ["agent_states_from is the name of another source."]
        if other == self.name:
            return ["agent_states_from names this source itself."]
        # (A source not made yet is allowed: importconfig makes sources one at a time. Until
        # it runs in the same ingest process, the states stay unknown.)
        return []

    def secret_values(self) -> dict[str, str]:
        """The stored credentials (UnreadableSecrets if SECRET_KEY changed since)."""
        from wallboard.sourcesecrets import unseal

        return unseal(self.secrets)

    def set_secrets(self, values: dict[str, str]) -> None:
        from wallboard.sourcesecrets import seal

        self.secrets = seal({k: v for k, v in values.items() if v})

    def tls_problem(self) -> dict[str, str]:
        """What is wrong with the TLS settings, by field (empty when they can be used)."""
        if not (self.tls or self.tls_ca_file or self.tls_cert_file or self.tls_key_file):
            return {}
        if not self.tls:
            return {"tls": "Turn TLS on to use the CA and certificate files, or clear them."}
        if self.listen:
            return {"tls": "TLS is for sources that connect to the phone system."}
        try:
            client_context(self.tls_ca_file, self.tls_cert_file, self.tls_key_file)
        except TlsSettingsError as exc:
            field = "tls_ca_file" if str(exc).startswith("CA file") else "tls_cert_file"
            return {field: str(exc)}
        return {}

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field, problem in self.tls_problem().items():
            errors.setdefault(field, []).append(problem)
        if self.vendor not in VENDORS:
            raise ValidationError({"vendor": "Unknown vendor."})
        info = integration(self.vendor).VENDOR
        if self.layout and self.layout not in info.layouts:
            errors.setdefault("layout", []).append(
                f"{info.label} reports one of: {', '.join(info.layouts)}."
            )
        if info.transport == "poll":  # it names its database in its options
            if self.listen or self.connect:
                errors.setdefault("connect", []).append(
                    f"{info.label} is polled: give its database in the options, not an address."
                )
        elif self.listen and self.connect:
            errors.setdefault("connect", []).append("Give either listen or connect, not both.")
        elif not self.listen and not self.connect:
            field = "connect" if info.transport == "connect" else "listen"
            errors.setdefault(field, []).append(
                "Give the address to listen on."
                if field == "listen"
                else f"Give the phone system's address, e.g. 10.0.0.7:{info.default_port}."
            )
        elif self.listen and info.transport == "connect":
            errors.setdefault("listen", []).append(
                f"{info.label} is a server: the wallboard connects to it. Use connect."
            )
        elif self.connect and info.transport == "listen":
            errors.setdefault("connect", []).append(
                f"{info.label} connects to the wallboard. Use listen."
            )
        if self.compat_file and info.live_document is None:
            offering = [
                label for key, label in VENDOR_LABELS.items() if vendor_info(key).live_document
            ]
            errors.setdefault("compat_file", []).append(
                f"Only sources of {' or '.join(offering)} write this file."
            )
        if self.refresh_seconds is not None and self.refresh_seconds < 1:
            errors.setdefault("refresh_seconds", []).append("At least 1 second.")
        if not errors.get("layout"):
            options = self.options if isinstance(self.options, dict) else None
            if options is None:
                errors.setdefault("options", []).append("Options must be a JSON object.")
            elif set(options) & set(info.secret_options):
                errors.setdefault("options", []).append(
                    f"{', '.join(sorted(set(options) & set(info.secret_options)))}: a credential;"
                    " set it under Credentials, where it is stored encrypted and never shown."
                )
            else:
                problems = integration(self.vendor).validate_options(
                    self.effective_layout, self.effective_options()
                )
                problems += self._neutral_problems()
                if problems:
                    errors.setdefault("options", []).extend(problems)
        if self.listen and not errors.get("listen"):
            clash = self.listen_clash()
            if clash:
                errors.setdefault("listen", []).append(clash)
        if errors:
            raise ValidationError(errors)

    def listen_clash(self) -> str | None:
        """Another enabled source listening on the same port (and overlapping address)."""
        if not self.listen or not self.enabled:
            return None
        try:
            host, port = parse_address(self.listen)
        except AddressError:
            return None  # the field's own validator reports a malformed address
        wildcard = {"0.0.0.0", "::", ""}
        for other in Source.objects.filter(enabled=True).exclude(listen="").exclude(pk=self.pk):
            try:
                other_host, other_port = parse_address(other.listen)
            except AddressError:
                continue
            if other_port == port and (
                host == other_host or host in wildcard or other_host in wildcard
            ):
                return f"Port {port} is already taken by source '{other.name}'."
        return None


class PassThroughTarget(models.Model):
    """A host:port that receives the source's raw bytes, unchanged and in order."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="targets")
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField()
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["source", "host", "port"]
        constraints = [
            models.UniqueConstraint(fields=["source", "host", "port"], name="unique_target"),
        ]

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"

    def clean(self) -> None:
        if self.port is not None and not 1 <= self.port <= 65535:
            raise ValidationError({"port": "A port is 1 to 65535."})


class SourceHealth(models.Model):
    """Written by runingest every few seconds; read by the admin, the API and the boards.

    Kept apart from Source so an admin saving a source never overwrites live figures.
    """

    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="health")
    connected = models.BooleanField(default=False)
    peer = models.CharField(max_length=100, blank=True)
    last_data_at = models.DateTimeField(null=True, blank=True)
    batches = models.PositiveBigIntegerField(default=0)
    records = models.PositiveBigIntegerField(default=0)
    parse_errors = models.PositiveBigIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    stale = models.BooleanField(default=True)
    # {"<target id>": {"connected", "bytes_sent", "bytes_dropped", "last_error"}}
    targets = models.JSONField(default=dict, blank=True)
    # The worker's own diagnostics: last frames, last errors (for the admin).
    diagnostics = models.JSONField(default=dict, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The runingest process that runs the source (host:pid) and since when it leads.
    owner = models.CharField(max_length=200, blank=True)
    owner_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "source health"

    def __str__(self) -> str:
        return f"health of {self.source_id}"


class SourcePosition(models.Model):
    """How far a polled source (a database) has read, as its poller said (a JSON mark),
    written by ingest in the same transaction as what it saved of the rows read up to there:
    a restart goes on from it, so nothing is read, and counted, twice or missed."""

    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="position")
    position = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"position of {self.source_id}"
