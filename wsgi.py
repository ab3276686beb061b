"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...``."""

import os
import sys

from app import create_app


def _running_init_command(argv: list[str]) -> bool:
    """`flask --app wsgi init` writes the first secret, so it alone may load without one."""
    program = os.path.basename(argv[0]) if argv else ""
    return program in {"flask", "__main__.py"} and "init" in argv[1:]


app = create_app(setup_mode=_running_init_command(sys.argv))
