"""The privacy officer's web console at ``/officer``: login, pages and the rights requests.

:mod:`.blueprint` owns ``bp``, its guard, its template context and its label filters;
:mod:`.views` is a package with one module per page (``session``, ``overview``, ``lookup``,
``campaigns``, ``ledger``, ``audit``, ``requests``, ``exports``, ``erasure``) that add routes to
``bp`` and never import each other, sharing only :mod:`.views.common`. It is imported here once so
that ``bp`` has every route when :func:`optout.create_app` registers it. Officer accounts and
passwords are :mod:`optout.accounts.officers` (the CLI uses them too); the audit trail is
:mod:`optout.audit.service`. ``overview`` and ``lookup`` take a session and never touch the
request; ``guard`` keeps the login in the session cookie.
"""

from . import views  # noqa: F401 - registers the pages' routes on the blueprint
