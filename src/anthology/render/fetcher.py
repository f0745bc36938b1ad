"""The only door to files during layout: WeasyPrint's fetcher, confined (render/confine.py).

WeasyPrint asks this fetcher for every image, stylesheet and font; it answers only for
regular files whose real path (symlinks resolved) lies in the project or the theme, never
for the network or anything else on the machine. Importing it imports WeasyPrint.
"""

from __future__ import annotations

from pathlib import Path

from ..limits import DEFAULT, Limits
from .confine import ConfinedPaths, RefusedURL
from .engine import URLFetcher, URLFetcherResponse

__all__ = ["ConfinedFetcher", "RefusedURL"]


class ConfinedFetcher(URLFetcher, ConfinedPaths):
    """Serve ``file:`` URLs under ``roots`` and refuse everything else."""

    def __init__(self, roots: list[Path], limits: Limits = DEFAULT) -> None:
        super().__init__(allowed_protocols=("file",))  # WeasyPrint's URLFetcher (it calls no further)
        ConfinedPaths.__init__(self, roots, limits)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        real, data, mime = self.read_url(url)
        return URLFetcherResponse(real, data, {"Content-Type": mime})
