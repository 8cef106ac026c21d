"""The console's pages, one module per page; importing this package registers their routes on ``bp``.

Each page module imports ``bp`` from :mod:`..blueprint` and what several pages share from
:mod:`.common`, and never another page. Every endpoint but the login page needs a signed-in
officer: the blueprint refuses anonymous requests before any view runs.
"""

from . import audit, campaigns, erasure, exports, ledger, lookup, overview, requests, session  # noqa: F401
