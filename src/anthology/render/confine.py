"""Which files rendering may read: inside the allowed folders, or nothing.

A review may come from anyone. Every image, stylesheet and font is read only when it is a
regular file whose real path (symlinks resolved) lies in the project or the theme: never the
network, nor anything else on the machine. The policy is kept apart from WeasyPrint's
fetcher (render/fetcher.py) so that the EPUB reads its images without importing WeasyPrint.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..limits import DEFAULT, Limits


def url_path(path: str) -> Path:
    """The file a ``file:`` URL's path names, percent-escapes decoded once (what
    ``urllib.request.url2pathname`` does, without importing urllib.request: it brings
    http.client, ssl and email, a sixtieth of a second at every start)."""
    if os.name == "nt":
        from nturl2path import url2pathname

        return Path(url2pathname(path))
    return Path(unquote(path))


class RefusedURL(ValueError):
    """A resource outside the allowed folders was requested."""


class ConfinedPaths:
    """Files under ``roots``, by path or by ``file:`` URL; every refused URL is remembered."""

    def __init__(self, roots: list[Path], limits: Limits = DEFAULT) -> None:
        self.roots = [r.resolve() for r in roots]
        self.max_bytes = limits.resource_bytes
        self.refused: list[str] = []

    def allows(self, path: Path) -> bool:
        real = path.resolve()
        return any(real == r or r in real.parents for r in self.roots)

    def read_url(self, url: str) -> tuple[str, bytes, str]:
        """(the file's real URL, its bytes, its media type), or RefusedURL."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: only files inside the project are read")
        path = url_path(parts.path)
        if not self.allows(path) or not path.is_file():
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: not a file inside the project")
        if path.stat().st_size > self.max_bytes:
            self.refused.append(url)
            raise RefusedURL(f"refused {url}: larger than {self.max_bytes // 2**20} MB (resource_megabytes)")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return path.resolve().as_uri(), path.read_bytes(), mime
