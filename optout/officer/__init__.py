"""The privacy officer's web console at ``/officer``: accounts, login, audit trail and pages.

Services (``auth``, ``audit``, ``overview``, ``lookup``) take a session and never touch the
request; ``guard`` keeps the login in the session cookie; ``views`` is the blueprint.
"""
