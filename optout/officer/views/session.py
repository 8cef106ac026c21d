"""The console's login and logout: one message for every failed login, throttled per client."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ...accounts import officers as auth
from ...audit import service as audit
from ...audit.service import AuditAction
from ...web.session import get_session
from .. import guard, throttle
from ..blueprint import bp
from ..forms import LoginForm

UNKNOWN_OFFICER = "-"  # the audit's name for a login attempt with an address no officer has


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in; one message for every failure, so it never tells whether an account exists."""
    if request.method == "GET" and guard.current_officer() is not None:
        return redirect(url_for("officer.overview"))
    form = LoginForm()
    failed = throttled = False
    if form.validate_on_submit():
        client = request.remote_addr or "-"
        if not throttle.may_try(client):
            throttled = True
        else:
            db = get_session()
            attempt = auth.authenticate(db, form.email.data, form.password.data)
            if attempt.ok and attempt.officer is not None:
                audit.log_action(db, attempt.officer.email, AuditAction.LOGIN)
                db.commit()
                guard.sign_in(attempt.officer)
                return redirect(guard.safe_next(request.args.get("next")) or url_for("officer.overview"), code=303)
            throttle.count_failure(client)
            locked = attempt.outcome is auth.Outcome.LOCKED_NOW
            who = attempt.officer.email if attempt.officer is not None else UNKNOWN_OFFICER
            data = {"outcome": attempt.outcome.value, "client": client}
            audit.log_action(db, who, AuditAction.LOCKED_OUT if locked else AuditAction.LOGIN_FAILED, data=data)
            db.commit()
            failed = True
    page = render_template(
        "officer/login.html",
        form=form,
        failed=failed,
        throttled=throttled,
        expired=request.args.get("expired") == "1",
        logged_out=request.args.get("logged_out") == "1",
    )
    return page, 429 if throttled else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the login (POST with CSRF, so another site cannot log the officer out)."""
    db = get_session()
    officer = guard.require_officer()
    audit.log_action(db, officer.email, AuditAction.LOGOUT)
    guard.sign_out(officer)
    db.commit()
    return redirect(url_for("officer.login", logged_out="1"), code=303)
