"""The console's ledger page: the hash chain walked now, intact or its first fault."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from ...db import utcnow
from ...ledger.verify import verify
from ...web.session import get_session
from ..blueprint import bp


@bp.get("/ledger")
def ledger() -> ResponseReturnValue:
    """Walk the ledger's hash chain now and show whether it is intact, or its first fault."""
    result = verify(get_session().connection())
    return render_template("officer/ledger.html", result=result, checked_at=utcnow())
