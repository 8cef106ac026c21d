"""Settings from ``OPTOUT_*`` environment variables, validated once at start-up.

Every error names the variable, so an operator can fix a deployment from the message alone.
Outside debug and testing a missing key is an error; in debug and testing, keys are generated
and kept in the instance folder so that links survive a restart of the development server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import configvalues as values
from .configvalues import KEYGEN_HINT, MIN_KEY_LENGTH, ConfigError

__all__ = ["KEYGEN_HINT", "MIN_KEY_LENGTH", "ConfigError", "Officer", "Settings", "environment", "load_settings"]


@dataclass(frozen=True)
class Officer:
    """The privacy officer's contact details, shown on every page. The attention line and the
    country differ by language (``attention_in``, ``country_in``); the rest is the same in both."""

    organisation: str
    attention_nb: str
    attention_en: str
    street: str
    postcode_city: str
    country_nb: str
    country_en: str
    email: str
    phone: str

    def attention_in(self, lang: str) -> str:
        """The attention line in *lang* («Att.: Personvernansvarlig», "Attn: Privacy Officer")."""
        return self.attention_en if lang == "en" else self.attention_nb

    def country_in(self, lang: str) -> str:
        """The country in *lang* («Norge», "Norway"); empty when the operator leaves it out."""
        return self.country_en if lang == "en" else self.country_nb

    @property
    def attention(self) -> str:
        """The bokmål attention line (for callers that predate the per-language settings)."""
        return self.attention_nb

    @property
    def country(self) -> str:
        """The bokmål country (for callers that predate the per-language settings)."""
        return self.country_nb


@dataclass(frozen=True)
class Settings:
    """Validated settings; the only object the rest of the code reads configuration from."""

    database_url: str
    secret_keys: tuple[bytes, ...]
    id_key: bytes
    base_url: str
    officer: Officer
    policy_url: str
    policy_version: str
    policy_date: dt.date
    trusted_proxies: int = 0
    trust_forwarded_host: bool = False
    session_key: bytes | None = None
    bad_link_limit: str = "30 per minute"
    ratelimit_storage: str = "memory://"
    mailto_domain: str | None = None  # where u+CODE@… unsubscribe mail goes (optout mail serve)
    mail_max_bytes: int = 64 << 10
    mail_limit: str = "20 per minute"  # messages per client address, at the receiver
    default_region: str = "NO"  # how a phone number written without +CC is read
    log_format: str = "text"  # or json: one object per line (optout/web/logs.py)
    metrics_key: bytes | None = None  # the bearer key of /metrics; unset: no /metrics

    @property
    def https(self) -> bool:
        """True when links and cookies are served over HTTPS."""
        return self.base_url.startswith("https://")

    @property
    def public_host(self) -> str:
        """The host name of :attr:`base_url`: the only ``Host`` requests may name."""
        return urlsplit(self.base_url).hostname or ""

    @property
    def public_origin(self) -> str:
        """Scheme and host (and port) of :attr:`base_url`, without its path."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"


DEFAULTS: dict[str, str] = {
    "OPTOUT_OFFICER_ORGANISATION": "Mesier AS",
    "OPTOUT_OFFICER_STREET": "Mosseveien 148",
    "OPTOUT_OFFICER_POSTCODE_CITY": "1172 Oslo",
    "OPTOUT_OFFICER_EMAIL": "post@mesier.com",
    "OPTOUT_OFFICER_PHONE": "+47 98 26 05 80",
    "OPTOUT_POLICY_URL": "https://mesier.com/personvern",
    "OPTOUT_POLICY_DATE": "2020-02-28",
}


# Texts that differ by language: the default of each language's setting. The old single setting
# (OPTOUT_OFFICER_ATTENTION, OPTOUT_OFFICER_COUNTRY), when set, is the value for both languages.
PER_LANGUAGE: dict[str, dict[str, str]] = {
    "OPTOUT_OFFICER_ATTENTION": {"NB": "Att.: Personvernansvarlig", "EN": "Attn: Privacy Officer"},
    "OPTOUT_OFFICER_COUNTRY": {"NB": "Norge", "EN": "Norway"},
}
MAX_CONTACT_TEXT = 200  # one line of an address block
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*$")
OPTIONAL_CONTACT = ("OPTOUT_OFFICER_COUNTRY_NB", "OPTOUT_OFFICER_COUNTRY_EN")  # may be left out of the block


def _per_language(env: Mapping[str, str], name: str, lang: str) -> str:
    """``NAME_NB``/``NAME_EN`` if set, else the old ``NAME`` for both languages, else the default."""
    specific = env.get(f"{name}_{lang}")
    if specific is not None:
        return specific
    return env.get(name, PER_LANGUAGE[name][lang])


def _contact_text(name: str, raw: str) -> str:
    value = raw.strip()
    if not value and name not in OPTIONAL_CONTACT:
        raise ConfigError(f"{name} is empty: it is part of the privacy officer's contact block on every page.")
    if len(value) > MAX_CONTACT_TEXT or any(ch in value for ch in "\r\n\t\x00"):
        raise ConfigError(f"{name} must be one line of at most {MAX_CONTACT_TEXT} characters.")
    return value


def _phone(raw: str) -> str:
    value = _contact_text("OPTOUT_OFFICER_PHONE", raw)
    if not PHONE.match(value) or sum(ch.isdigit() for ch in value) < 5:
        raise ConfigError(f"OPTOUT_OFFICER_PHONE must be a phone number such as +47 98 26 05 80, not {raw!r}.")
    return value


def _officer(env: Mapping[str, str]) -> Officer:
    texts = {
        f"{name}_{lang}": _contact_text(f"{name}_{lang}", _per_language(env, name, lang))
        for name in PER_LANGUAGE
        for lang in ("NB", "EN")
    }
    single = {
        name: _contact_text(name, env[name])
        for name in (
            "OPTOUT_OFFICER_ORGANISATION",
            "OPTOUT_OFFICER_STREET",
            "OPTOUT_OFFICER_POSTCODE_CITY",
            "OPTOUT_OFFICER_EMAIL",
        )
    }
    return Officer(
        organisation=single["OPTOUT_OFFICER_ORGANISATION"],
        attention_nb=texts["OPTOUT_OFFICER_ATTENTION_NB"],
        attention_en=texts["OPTOUT_OFFICER_ATTENTION_EN"],
        street=single["OPTOUT_OFFICER_STREET"],
        postcode_city=single["OPTOUT_OFFICER_POSTCODE_CITY"],
        country_nb=texts["OPTOUT_OFFICER_COUNTRY_NB"],
        country_en=texts["OPTOUT_OFFICER_COUNTRY_EN"],
        email=single["OPTOUT_OFFICER_EMAIL"],
        phone=_phone(env["OPTOUT_OFFICER_PHONE"]),
    )


def _dev_keys(instance_path: Path) -> dict[str, str]:
    """Generate (once) and return development keys kept in the instance folder."""
    path = instance_path / "dev-keys.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    keys = {
        "OPTOUT_SECRET_KEYS": secrets.token_urlsafe(32),
        "OPTOUT_ID_KEY": secrets.token_urlsafe(32),
    }
    instance_path.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


def load_settings(source: Mapping[str, str], *, instance_path: Path, development: bool) -> Settings:
    """Build :class:`Settings` from ``OPTOUT_*`` values, raising :class:`ConfigError` on any problem."""
    env = {**DEFAULTS, **{k: v for k, v in source.items() if k.startswith("OPTOUT_")}}
    missing = [name for name in ("OPTOUT_SECRET_KEYS", "OPTOUT_ID_KEY") if not env.get(name, "").strip()]
    if missing and development:
        # only the missing keys are generated: another empty setting stays empty (a country left out)
        env = {**env, **{k: v for k, v in _dev_keys(instance_path).items() if not env.get(k, "").strip()}}
    elif missing:
        raise ConfigError(
            f"{missing[0]} is not set. Outside debug and testing every key must be given ({KEYGEN_HINT})."
        )
    if not env.get("OPTOUT_BASE_URL", "").strip():
        if not development:
            raise ConfigError("OPTOUT_BASE_URL is not set: give the public origin used in links.")
        env["OPTOUT_BASE_URL"] = "http://127.0.0.1:5000"
    id_keys = values.signing_keys("OPTOUT_ID_KEY", env["OPTOUT_ID_KEY"])
    if len(id_keys) != 1:
        raise ConfigError("OPTOUT_ID_KEY must be exactly one key: it is never rotated.")
    policy_date = values.iso_date("OPTOUT_POLICY_DATE", env["OPTOUT_POLICY_DATE"])
    database_url = env.get("OPTOUT_DATABASE_URL", "").strip() or f"sqlite:///{instance_path / 'optout.sqlite3'}"
    secret_keys = values.signing_keys("OPTOUT_SECRET_KEYS", env["OPTOUT_SECRET_KEYS"])
    session_key = values.session_key(env.get("OPTOUT_SESSION_KEY", ""))
    if session_key in secret_keys:
        raise ConfigError("OPTOUT_SESSION_KEY must differ from every key in OPTOUT_SECRET_KEYS: it separates them.")
    return Settings(
        database_url=database_url,
        secret_keys=secret_keys,
        id_key=id_keys[0],
        base_url=values.base_url(env["OPTOUT_BASE_URL"], allow_http=development),
        officer=_officer(env),
        policy_url=env["OPTOUT_POLICY_URL"],
        policy_version=env.get("OPTOUT_POLICY_VERSION", "").strip() or policy_date.isoformat(),
        policy_date=policy_date,
        trusted_proxies=values.proxy_count("OPTOUT_TRUSTED_PROXIES", env.get("OPTOUT_TRUSTED_PROXIES", "0")),
        trust_forwarded_host=values.flag("OPTOUT_TRUST_FORWARDED_HOST", env.get("OPTOUT_TRUST_FORWARDED_HOST", "")),
        session_key=session_key,
        bad_link_limit=values.rate("OPTOUT_BAD_LINK_LIMIT", env.get("OPTOUT_BAD_LINK_LIMIT", "30 per minute")),
        ratelimit_storage=env.get("OPTOUT_RATELIMIT_STORAGE", "").strip() or "memory://",
        mailto_domain=values.mailto_domain(env.get("OPTOUT_MAILTO_DOMAIN", "")),
        mail_max_bytes=values.mail_bytes(env.get("OPTOUT_MAIL_MAX_BYTES", str(64 << 10))),
        mail_limit=values.rate("OPTOUT_MAIL_LIMIT", env.get("OPTOUT_MAIL_LIMIT", "20 per minute")),
        default_region=values.region(env.get("OPTOUT_DEFAULT_REGION", "")),
        log_format=values.log_format(env.get("OPTOUT_LOG_FORMAT", "")),
        metrics_key=values.metrics_key(env.get("OPTOUT_METRICS_KEY", "")),
    )


def environment() -> dict[str, str]:
    """The process environment's ``OPTOUT_*`` variables."""
    return {k: v for k, v in os.environ.items() if k.startswith("OPTOUT_")}
