"""The error summary at the top of a console form that was refused (the GOV.UK pattern): each
message links to the field it is about, and the page title starts with «Feil:» / "Error:"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def summary(
    errors: Sequence[str] | Mapping[str, Sequence[str]] | None, target: str | Mapping[str, str]
) -> list[tuple[str, str]]:
    """``(field id, message)`` pairs: a list of errors belongs to the field *target*; a mapping of
    errors by form to the fields *target* names for each form (a form it does not name is left out)."""
    if not errors:
        return []
    if isinstance(errors, Mapping):
        ids = target if isinstance(target, Mapping) else {}
        return [(ids[form], str(message)) for form, messages in errors.items() if form in ids for message in messages]
    field = target if isinstance(target, str) else ""
    return [(field, str(message)) for message in errors]
