"""The project's templates/ folder, checked before anything renders.

Every file a user put there must be UTF-8 (a bad byte is located, like in a review), and a
stylesheet may only refer to files inside the project: an ``@import`` or ``url()`` that
points elsewhere (another folder on the machine, the network, a ``data:`` URL) is named with
its ``templates/NAME:LINE:COL`` and left out of the stylesheet the renderer sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..errors import Diagnostics
from ..render.confine import url_path
from .text import decode

USER_TEMPLATES = "templates"
TEMPLATE_SUFFIXES = (".j2", ".css", ".html", ".xhtml")
_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.DOTALL)
_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(["']?)([^"'()\s;]*)\1\s*\)?[^;{}]*;?""", re.IGNORECASE)
_URL = re.compile(r"""url\(\s*(["']?)([^"'()]*?)\1\s*\)""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reference:
    """An ``@import`` rule or a ``url()`` in a stylesheet that the renderer will not read."""

    start: int
    end: int
    url: str
    is_import: bool
    reason: str


def refused_references(css: str, root: Path) -> list[Reference]:
    """The references in ``css`` to anything but a file inside the project ``root``."""
    comments = [m.span() for m in _COMMENT.finditer(css)]

    def in_comment(pos: int) -> bool:
        return any(a <= pos < b for a, b in comments)

    found: list[Reference] = []
    imports = [m for m in _IMPORT.finditer(css) if not in_comment(m.start())]
    for m in imports:
        reason = _refusal(m.group(2), root)
        if reason:
            found.append(Reference(m.start(), m.end(), m.group(2), True, reason))
    for m in _URL.finditer(css):
        if in_comment(m.start()) or any(r.start <= m.start() < r.end for r in found):
            continue
        if any(i.start() <= m.start() < i.end() for i in imports):
            continue  # the url() of an @import that is allowed
        reason = _refusal(m.group(2), root)
        if reason:
            found.append(Reference(m.start(), m.end(), m.group(2), False, reason))
    return sorted(found, key=lambda r: r.start)


def _refusal(url: str, root: Path) -> str:
    url = url.strip()
    if not url or url.startswith("#"):
        return ""
    base = root.resolve().as_uri() + "/"
    parts = urlsplit(urljoin(base, url))
    if parts.scheme == "data":
        return "a data: URL is not read: save the file in the project, e.g. in assets/, and link it"
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return "remote files are not fetched: download it into the project, e.g. into assets/, and link it"
    try:
        path = url_path(parts.path).resolve()
    except (OSError, ValueError):  # a NUL byte (%00), a name too long: nothing the fetcher would read
        return "not a usable file name: link a file of the project by its relative path"
    real_root = root.resolve()
    if path != real_root and real_root not in path.parents:
        return "outside the project: copy the file into the project, e.g. into assets/, and link it by a relative path"
    return ""


def without_refused(css: str, root: Path) -> str:
    """``css`` with every refused reference taken out (an @import dropped, a url() made 'none')."""
    out: list[str] = []
    pos = 0
    for ref in refused_references(css, root):
        out.append(css[pos:ref.start])
        out.append("/* @import refused */" if ref.is_import else "none")
        pos = ref.end
    out.append(css[pos:])
    return "".join(out)


def _shown(url: str) -> str:
    return url if len(url) <= 120 else url[:100] + "…"


def check_user_templates(root: Path, diags: Diagnostics) -> None:
    """Decode every file in the project's templates/; locate refused stylesheet references."""
    folder = root / USER_TEMPLATES
    if not folder.is_dir() or folder.is_symlink():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.suffix.lower() not in TEMPLATE_SUFFIXES:
            continue  # links are refused where the template is used: they must point inside the project
        file = path.relative_to(root).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            diags.error(file, 0, 0, "unreadable", f"cannot read the file: {exc.strerror}")
            continue
        text = decode(data, file, diags)
        if text is None or path.suffix.lower() != ".css":
            continue
        for ref in refused_references(text, root):
            line = text.count("\n", 0, ref.start) + 1
            col = ref.start - (text.rfind("\n", 0, ref.start) + 1) + 1
            diags.warning(file, line, col, "resource-refused", f"not read: {_shown(ref.url)} ({ref.reason})")
