"""How each kind of ``OPTOUT_*`` value is read and checked: keys, URLs, dates, counts, flags,
rates, domains and regions. Every error names the variable (:class:`ConfigError`)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import idna
from limits import parse_many

from . import phones

MIN_KEY_LENGTH = 32
KEYGEN_HINT = "`optout keys generate` prints fresh ones"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def signing_keys(name: str, raw: str) -> tuple[bytes, ...]:
    """Keys separated by spaces or commas, each long enough."""
    keys = tuple(part.encode() for part in raw.replace(",", " ").split())
    if not keys:
        raise ConfigError(f"{name} is empty: give one or more signing keys, newest last ({KEYGEN_HINT}).")
    for key in keys:
        if len(key) < MIN_KEY_LENGTH:
            raise ConfigError(f"{name}: every key must be at least {MIN_KEY_LENGTH} characters long ({KEYGEN_HINT}).")
    return keys


def base_url(raw: str, *, allow_http: bool) -> str:
    """The public origin of links: absolute, https outside debug, no query or fragment."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"OPTOUT_BASE_URL must be an absolute URL such as https://optout.example.no, not {raw!r}.")
    if parts.scheme == "http" and not allow_http:
        raise ConfigError("OPTOUT_BASE_URL must use https: RFC 8058 requires an HTTPS unsubscribe link.")
    if parts.query or parts.fragment:
        raise ConfigError("OPTOUT_BASE_URL must not carry a query or a fragment.")
    return raw.strip().rstrip("/")


def session_key(raw: str) -> bytes | None:
    """One key, or None when unset."""
    if not raw.strip():
        return None
    keys = signing_keys("OPTOUT_SESSION_KEY", raw)
    if len(keys) != 1:
        raise ConfigError("OPTOUT_SESSION_KEY must be one key: changing it only ends the console's sessions.")
    return keys[0]


def iso_date(name: str, raw: str) -> dt.date:
    """A date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a date written YYYY-MM-DD, not {raw!r}.") from None


def proxy_count(name: str, raw: str) -> int:
    """A number of proxies, 0 to 5."""
    try:
        value = int(raw.strip() or "0")
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if not 0 <= value <= 5:
        raise ConfigError(f"{name} must be between 0 and 5, not {value}.")
    return value


def flag(name: str, raw: str) -> bool:
    """1 or 0 (and the usual words for them)."""
    value = raw.strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 or 0, not {raw!r}.")


def rate(name: str, raw: str) -> str:
    """A rate the ``limits`` library reads, such as '30 per minute'."""
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a rate such as '30 per minute', not {raw!r}.") from None
    return raw.strip()


def mailto_domain(raw: str) -> str | None:
    """The domain as an A-label in lower case (what mail software compares), or None when unset."""
    value = raw.strip().rstrip(".")
    if not value:
        return None
    try:
        domain = idna.encode(value, uts46=True, std3_rules=True, transitional=False).decode()
    except idna.IDNAError:
        domain = ""
    if "." not in domain:
        raise ConfigError(f"OPTOUT_MAILTO_DOMAIN must be a domain name such as unsubscribe.example.no, not {raw!r}.")
    return domain


def mail_bytes(raw: str) -> int:
    """A message size limit in bytes, 4096 to 10 MiB."""
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if not 4096 <= value <= 10 << 20:
        raise ConfigError(f"OPTOUT_MAIL_MAX_BYTES must be a number of bytes from 4096 to 10485760, not {raw!r}.")
    return value


def region(raw: str) -> str:
    """A region libphonenumber knows (NO when unset)."""
    value = raw.strip().upper() or "NO"
    if not phones.valid_region(value):
        raise ConfigError(f"OPTOUT_DEFAULT_REGION must be a region code such as NO or SE, not {raw!r}.")
    return value


LOG_FORMATS = ("text", "json")


def log_format(raw: str) -> str:
    """``text`` (the default) or ``json``: one JSON object per log line."""
    value = raw.strip().lower() or "text"
    if value not in LOG_FORMATS:
        raise ConfigError(f"OPTOUT_LOG_FORMAT must be text or json, not {raw!r}.")
    return value


def metrics_key(raw: str) -> bytes | None:
    """The bearer key of ``/metrics`` (long enough to be unguessable), or None: no ``/metrics``."""
    value = raw.strip()
    if not value:
        return None
    if len(value) < MIN_KEY_LENGTH or any(ch.isspace() for ch in value):
        raise ConfigError(
            f"OPTOUT_METRICS_KEY must be one key of at least {MIN_KEY_LENGTH} characters ({KEYGEN_HINT})."
        )
    return value.encode()
