"""The WSGI entry point: ``gunicorn wsgi:app``. The only place an app is built at import."""

from optout import create_app
from optout.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # name the variable, not a traceback
    raise SystemExit(f"optout: {exc}") from None
