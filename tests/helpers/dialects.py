"""Which databases a test runs on: both, unless it or its module says its outcome cannot depend
on the SQL dialect (CONTRIBUTING.md, "Which tests run on PostgreSQL").

``tests/conftest.py`` parametrises ``database_url`` with :func:`backends_for`, so a new test that
touches the database runs on SQLite and PostgreSQL unless someone writes down why it need not.
"""

from __future__ import annotations

import pytest

BACKENDS = ("sqlite", "postgresql")
INDEPENDENT = "dialect_independent"  # (reason): the outcome cannot depend on the dialect: SQLite only
SENSITIVE = "dialect_sensitive"  # both after all, inside a module marked dialect_independent
POSTGRES_ONLY = "postgres_only"


def backends_for(definition: pytest.Function) -> tuple[str, ...]:
    """The databases a test runs on: both, unless the closest of its markers says otherwise.

    A ``dialect_independent`` marker without a reason is an error, so the choice is always argued."""
    for marker in definition.iter_markers():  # the test's own first, then its class's and module's
        if marker.name == POSTGRES_ONLY:
            return ("postgresql",)
        if marker.name == SENSITIVE:
            return BACKENDS
        if marker.name == INDEPENDENT:
            reason = marker.kwargs.get("reason", marker.args[0] if marker.args else "")
            if not isinstance(reason, str) or not reason.strip():
                raise pytest.UsageError(f"{definition.nodeid}: @pytest.mark.{INDEPENDENT} needs a reason")
            return ("sqlite",)
    return BACKENDS
