"""TLS for links that ingest opens to a phone system (connect sources). Django-free.

One context per connection attempt, made from the source's settings: the system's trusted CAs,
or the site's own CA file instead (a PBX's certificate is usually signed by the site's CA, not
a public one); optionally a client certificate and key. Host names are checked against the
address the source connects to.
"""

from __future__ import annotations

import ssl


class TlsSettingsError(ValueError):
    """A CA, certificate or key file that cannot be used (missing, unreadable, not PEM)."""


def client_context(ca_file: str = "", cert_file: str = "", key_file: str = "") -> ssl.SSLContext:
    """A verifying client context; TlsSettingsError saying which file is wrong, and why."""
    try:
        context = ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise TlsSettingsError(f"CA file {ca_file}: {_why(exc)}") from exc
    if cert_file or key_file:
        if not cert_file:
            raise TlsSettingsError("a client key needs its certificate file too")
        try:
            context.load_cert_chain(cert_file, key_file or None)
        except (OSError, ssl.SSLError) as exc:
            raise TlsSettingsError(f"client certificate {cert_file}: {_why(exc)}") from exc
    return context


def _why(exc: OSError) -> str:
    return exc.strerror or getattr(exc, "reason", None) or str(exc)


def describe_failure(exc: BaseException) -> str:
    """What a failed TLS handshake means for a site, in a few words."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS: the phone system's certificate was not accepted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: handshake failed ({exc.reason or exc})"
    return str(exc)
