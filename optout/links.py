"""Build a recipient's links and the ``List-Unsubscribe`` header values for one campaign."""

from __future__ import annotations

from dataclasses import dataclass

from .pids import PidBytes
from .tokens import TokenService, mailcode

LIST_UNSUBSCRIBE_POST = "List-Unsubscribe=One-Click"  # RFC 8058 § 3.1: exactly this pair


@dataclass(frozen=True)
class Links:
    """Everything a mail merge needs for one recipient."""

    unsubscribe_url: str
    preferences_url: str
    unsubscribe_mailto: str | None = None  # with OPTOUT_MAILTO_DOMAIN set

    @property
    def list_unsubscribe(self) -> str:
        """The ``List-Unsubscribe`` value (RFC 2369, RFC 8058): see :func:`list_unsubscribe`."""
        return list_unsubscribe(self.unsubscribe_url, self.unsubscribe_mailto)

    @property
    def list_unsubscribe_post(self) -> str:
        """The ``List-Unsubscribe-Post`` value."""
        return LIST_UNSUBSCRIBE_POST

    def fields(self) -> dict[str, str]:
        """The four values a mail merge needs, under the names every output uses."""
        return {
            "unsubscribe_url": self.unsubscribe_url,
            "preferences_url": self.preferences_url,
            "list_unsubscribe": self.list_unsubscribe,
            "list_unsubscribe_post": self.list_unsubscribe_post,
        }


UNSUBSCRIBE_PREFIX = "/u/"
PREFERENCES_PREFIX = "/p/"
LINK_PREFIXES = (UNSUBSCRIBE_PREFIX, PREFERENCES_PREFIX)
LINK_ALPHABET = "[A-Za-z0-9_.-]"  # what a minted link token is made of (URL-safe base64 and dots)


def unsubscribe_path(token: str) -> str:
    """The path of the unsubscribe (``List-Unsubscribe``) URL."""
    return UNSUBSCRIBE_PREFIX + token


def preferences_path(token: str) -> str:
    """The path of the preference page."""
    return PREFERENCES_PREFIX + token


def unsubscribe_mailto(token: str, domain: str) -> str:
    """The ``mailto:`` URI that unsubscribes like the link of *token* (``optout mail serve`` receives it).

    The subject is given because some clients send what the URI says and others (Apple Mail) send
    an empty one: the receiver reads neither, only the address."""
    return f"mailto:{mailcode.local_part(token)}@{domain}?subject=unsubscribe"


def list_unsubscribe(url: str, mailto: str | None) -> str:
    """The ``List-Unsubscribe`` value: the HTTPS URI first, then the ``mailto:`` one if any.

    HTTPS comes first because Gmail and other clients act on the first entry only, and only an
    HTTPS one can be the RFC 8058 one-click. One line, at most about 230 characters: well within a
    header line's 998 (RFC 5322 § 2.1.1) whatever mail merge prints it."""
    return f"<{url}>" if mailto is None else f"<{url}>, <{mailto}>"


def links_for(
    tokens: TokenService,
    base_url: str,
    pid_bytes: PidBytes,
    campaign_id: int,
    lang: str,
    mailto_domain: str | None = None,
) -> Links:
    """Mint both links for recipient *pid_bytes* in campaign *campaign_id* (one HMAC signs both)."""
    unsubscribe, preferences = tokens.mint_pair(pid_bytes, campaign_id, lang)
    return Links(
        unsubscribe_url=base_url + unsubscribe_path(unsubscribe),
        preferences_url=base_url + preferences_path(preferences),
        unsubscribe_mailto=None if mailto_domain is None else unsubscribe_mailto(unsubscribe, mailto_domain),
    )
