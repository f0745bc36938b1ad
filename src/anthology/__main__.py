"""``python -m anthology``: the same command as ``anthology``."""

import sys

from .cli import main

sys.exit(main())
