"""The test fixtures keep their promises: ``db_session``'s commits stay inside its transaction, and
a module's ``dialect_independent`` marker needs a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from optout.db import make_engine
from optout.models import ApiKey
from tests.helpers.dialects import backends_for


def test_a_commit_on_db_session_is_seen_by_no_other_connection(db_session, database_url):
    from optout.accounts import api_keys

    api_keys.create_key(db_session, "mailer", tuple(api_keys.Scope))
    db_session.commit()  # ends a savepoint, not the test's transaction
    with db_session.begin_nested():
        api_keys.create_key(db_session, "second", tuple(api_keys.Scope))
    assert db_session.scalar(select(func.count()).select_from(ApiKey)) == 2
    other = make_engine(database_url)
    try:
        with other.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(ApiKey)) == 0
    finally:
        other.dispose()


def test_a_dialect_independent_marker_without_a_reason_is_refused(request):
    request.node.add_marker(pytest.mark.dialect_independent())
    with pytest.raises(pytest.UsageError, match="needs a reason"):
        backends_for(request.node)
    request.node.add_marker(pytest.mark.dialect_sensitive, append=False)  # closest wins
    assert backends_for(request.node) == ("sqlite", "postgresql")
