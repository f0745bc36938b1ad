"""Where a project's cache (and its build lock) lives: ``<project>/.anthology-cache/``.

``ANTHOLOGY_CACHE_DIR`` moves it elsewhere: each project then gets a folder of its own
under that directory, named by a hash of the project's path. Use it for a project on
read-only media, or to keep tools (and test suites) from writing into a project folder.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

CACHE_DIR = ".anthology-cache"
ENVIRONMENT = "ANTHOLOGY_CACHE_DIR"


def cache_dir(project: Path) -> Path:
    elsewhere = os.environ.get(ENVIRONMENT, "").strip()
    if elsewhere:
        name = hashlib.sha256(str(project.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return Path(elsewhere) / name
    return project / CACHE_DIR
