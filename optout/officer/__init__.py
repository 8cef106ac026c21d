"""The privacy officer's web console at ``/officer``: login, pages and the rights requests.

:mod:`.blueprint` owns ``bp``, its guard and its template context; :mod:`.views` and
:mod:`.rights` add routes to it and never import each other, and they are imported here once so
that ``bp`` has every route when :func:`optout.create_app` registers it. Officer accounts and
passwords are :mod:`optout.accounts.officers` (the CLI uses them too); the audit trail is
:mod:`optout.audit.service`. ``overview`` and ``lookup`` take a session and never touch the
request; ``guard`` keeps the login in the session cookie.
"""

from . import rights, views  # noqa: F401 - registers their routes on the blueprint
