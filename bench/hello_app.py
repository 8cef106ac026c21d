"""The web floor: a bare Flask hello-world, served by the same gunicorn as Optout in bench/web.py.

``gunicorn --chdir bench hello_app:app``. No extensions, no database, no templates: what any
Flask app costs per request under this server on this machine.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
