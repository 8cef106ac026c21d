"""The keys, origin and configuration every test app starts from."""

from __future__ import annotations

OLD_KEY = "old-signing-key-0123456789-abcdefghijklmnop"
NEW_KEY = "new-signing-key-0123456789-abcdefghijklmnop"
ID_KEY = "pseudonymous-id-key-0123456789-abcdefghijk"
BASE_URL = "https://optout.example.no"


def settings_for(database_url: str, **overrides: str) -> dict[str, object]:
    """The configuration every test app starts from."""
    return {
        "TESTING": True,
        "OPTOUT_DATABASE_URL": database_url,
        "OPTOUT_SECRET_KEYS": f"{OLD_KEY} {NEW_KEY}",
        "OPTOUT_ID_KEY": ID_KEY,
        "OPTOUT_BASE_URL": BASE_URL,
        **overrides,
    }
