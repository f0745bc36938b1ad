"""Where a project's cache (and its build lock) lives: ``<project>/.anthology-cache/``.

``ANTHOLOGY_CACHE_DIR`` moves it elsewhere: each project then gets a folder of its own
under that directory, named by a hash of the project's path. Use it for a project on
read-only media, or to keep tools (and test suites) from writing into a project folder.

What the tool derives from its own installed files and that is code (compiled templates,
render/html.py) is never kept in a project's cache, which may come from anyone: it goes to
the user's cache folder, :func:`user_cache_dir`.
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


def layout_dir(project: Path) -> Path:
    """The cache's laid-out sections (render/cache.py)."""
    return cache_dir(project) / "layout"


def user_cache_dir() -> Path | None:
    """The user's own cache folder for the tool: ``$ANTHOLOGY_CACHE_DIR/user`` when that is
    set, else ``$XDG_CACHE_HOME/anthology``, else ``~/.cache/anthology``; None without a home."""
    elsewhere = os.environ.get(ENVIRONMENT, "").strip()
    if elsewhere:
        return Path(elsewhere) / "user"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "anthology"
    try:
        return Path.home() / ".cache" / "anthology"
    except (RuntimeError, KeyError):
        return None
