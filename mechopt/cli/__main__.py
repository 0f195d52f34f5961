"""``python -m mechopt.cli``."""

from mechopt.cli import app

app(prog_name="mechopt")
