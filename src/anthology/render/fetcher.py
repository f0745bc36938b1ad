"""The only door to files during rendering: inside the allowed folders, or nothing.

A review may come from anyone. WeasyPrint asks this fetcher for every image, stylesheet
and font; it answers only for regular files whose real path (symlinks resolved) lies in
the project or the theme, never for the network or anything else on the machine.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..limits import DEFAULT, Limits


class RefusedURL(ValueError):
    """A resource outside the allowed folders was requested."""


class ConfinedFetcher(URLFetcher):
    """Serve ``file:`` URLs under ``roots`` and refuse everything else."""

    def __init__(self, roots: list[Path], limits: Limits = DEFAULT) -> None:
        super().__init__(allowed_protocols=("file",))
        self.roots = [r.resolve() for r in roots]
        self.max_bytes = limits.resource_bytes
        self.refused: list[str] = []

    def allows(self, path: Path) -> bool:
        real = path.resolve()
        return any(real == r or r in real.parents for r in self.roots)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: only files inside the project are read")
        path = Path(url2pathname(unquote(parts.path)))
        if not self.allows(path) or not path.is_file():
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: not a file inside the project")
        if path.stat().st_size > self.max_bytes:
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: larger than {self.max_bytes // 2**20} MB (resource_megabytes)")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.resolve().as_uri(), path.read_bytes(), {"Content-Type": mime})
