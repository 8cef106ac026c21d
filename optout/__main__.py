"""The ``optout`` command (the console script, and ``python -m optout``): the CLI, started and
ended without collecting garbage.

Start-up imports Flask, SQLAlchemy and our modules, about a million objects that live until
exit; the cyclic collector would walk them many times while they load, and again, all of them,
when the interpreter shuts down (0.1 s of a 0.6 s one-row run). So the collector is off until
the app is built (:func:`optout.cli._create_app` then freezes what exists and turns it back on),
and what exists at exit is frozen too.
"""

from __future__ import annotations

import gc
import sys

import click


def main() -> None:
    """Console-script entry point; configuration errors end with their message, not a traceback."""
    gc.disable()
    try:
        from .cli import cli
        from .config import ConfigError

        try:
            cli.main(prog_name="optout")
        except ConfigError as exc:
            click.echo(f"optout: {exc}", err=True)
            sys.exit(2)
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
