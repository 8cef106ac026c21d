"""The privacy officer's web console at ``/officer``: accounts, login, audit trail and pages.

Services (``auth``, ``overview``, ``lookup``) take a session and never touch the request; the audit
trail is :mod:`optout.audit.service`, shared with the CLI and the API; ``guard`` keeps the login in
the session cookie; ``views`` is the blueprint.
"""
