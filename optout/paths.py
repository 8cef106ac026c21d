"""Where the top-level resource folders are, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder *name* (``templates`` or ``translations``).

    A wheel carries it inside the package (see ``pyproject.toml``); a checkout or an editable
    install keeps it at the top of the repository, beside the package.
    """
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / name


TEMPLATES_DIR = resource_dir("templates")
TRANSLATIONS_DIR = resource_dir("translations")
STATIC_DIR = PACKAGE_DIR / "static"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
