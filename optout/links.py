"""Build a recipient's links and the ``List-Unsubscribe`` header values for one campaign."""

from __future__ import annotations

from dataclasses import dataclass

from .pids import PidBytes
from .tokens import TokenService

LIST_UNSUBSCRIBE_POST = "List-Unsubscribe=One-Click"  # RFC 8058 § 3.1: exactly this pair


@dataclass(frozen=True)
class Links:
    """Everything a mail merge needs for one recipient."""

    unsubscribe_url: str
    preferences_url: str

    @property
    def list_unsubscribe(self) -> str:
        """The ``List-Unsubscribe`` value: one HTTPS URI in angle brackets (RFC 2369, RFC 8058)."""
        return f"<{self.unsubscribe_url}>"

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


def links_for(tokens: TokenService, base_url: str, pid_bytes: PidBytes, campaign_id: int, lang: str) -> Links:
    """Mint both links for recipient *pid_bytes* in campaign *campaign_id* (one HMAC signs both)."""
    unsubscribe, preferences = tokens.mint_pair(pid_bytes, campaign_id, lang)
    return Links(
        unsubscribe_url=base_url + unsubscribe_path(unsubscribe),
        preferences_url=base_url + preferences_path(preferences),
    )
