"""``python -m anthology``: the same command as ``anthology``."""

from .cli import console

console()
