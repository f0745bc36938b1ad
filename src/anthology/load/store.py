"""Parsed reviews kept on disk between builds: ``.anthology-cache/reviews/`` (safe to delete).

A build after one review was saved parses that review only; the others come from here, at a
tenth of the cost of parsing them (front matter, Markdown, sanitising). An entry is stored
under the SHA-256 of everything the parse depends on:

- the file's bytes, its name, and its place in the manifest (title, language);
- the book's language and limits;
- the code that parses: every source file of this package, by content (an edited checkout
  does not reuse the parses of the code before the edit), the versions of the libraries it
  calls (markdown-it-py, PyYAML, nh3, lxml and libxml2) and of Python.

A review whose parse looked at other files (images: where they are, their bytes) is stored
with what it saw of each (load/body.py: :func:`~anthology.load.body.looking`) and given again
only while every one is as it was; one that could not be parsed is not stored. The warnings
of a parse are stored with it and given again. Entries are JSON: a project folder may come
from anyone, and loading its cache must not run code. A damaged entry is a miss; an entry that cannot be written is
only a slower next build.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
from pathlib import Path

from .. import __version__
from ..errors import Diagnostic
from ..limits import Limits
from ..model import Credit, Image
from ..render.cache import prune, write_atomic
from ..render.cachedir import cache_dir
from .body import Look
from .review import Review

FORMAT = "review-2"  # bump when Review or Diagnostic change shape (2: images, and the files looked at)


@functools.cache
def salt() -> str:
    """The code's part of every key."""
    from importlib.metadata import version

    import lxml.etree
    import nh3
    import yaml

    package = Path(__file__).resolve().parent.parent
    code = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        code.update(path.relative_to(package).as_posix().encode() + b"\0")
        with contextlib.suppress(OSError):
            code.update(hashlib.sha256(path.read_bytes()).digest())
    return " ".join((
        FORMAT, f"anthology {__version__} {code.hexdigest()}", f"python {sys.version_info[:3]}",
        f"markdown-it-py {version('markdown-it-py')}", f"pyyaml {yaml.__version__}",
        f"nh3 {getattr(nh3, '__version__', '?')}", f"lxml {lxml.etree.LXML_VERSION}",
        f"libxml2 {lxml.etree.LIBXML_VERSION}",
    ))


class ReviewStore:
    """The parsed-review cache of one project."""

    def __init__(self, project: Path) -> None:
        self.folder = cache_dir(project) / "reviews"
        self.used: set[str] = set()

    @staticmethod
    def key(data: bytes, path: Path, root: Path, file: str, title_override: str, lang: str,
            default_lang: str, limits: Limits) -> str:
        digest = hashlib.sha256()
        for part in (salt(), str(path), str(root), file, title_override, lang, default_lang, repr(limits)):
            encoded = part.encode("utf-8", "surrogatepass")
            digest.update(len(encoded).to_bytes(8, "big") + encoded)
        digest.update(data)
        return digest.hexdigest()

    def get(self, key: str) -> tuple[Review, tuple[Diagnostic, ...], tuple[Look, ...]] | None:
        """The parse stored under ``key``, its warnings and the files it looked at (the caller
        checks those: :func:`~anthology.load.body.unchanged`)."""
        try:
            entry = json.loads((self.folder / f"{key}.json").read_bytes())
            if entry["format"] != FORMAT:
                raise ValueError("another format")
            found = _decode(entry)
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None
        self.used.add(key)
        with contextlib.suppress(OSError):
            os.utime(self.folder / f"{key}.json")  # recently used: kept by prune()
        return found

    def put(self, key: str, review: Review, found: tuple[Diagnostic, ...], looks: tuple[Look, ...] = ()) -> None:
        self.used.add(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / f"{key}.json", json.dumps(_encode(review, found, looks)).encode("utf-8"))
        except OSError:
            pass

    def prune(self) -> None:
        prune(self.folder, self.used)


def _encode(review: Review, found: tuple[Diagnostic, ...], looks: tuple[Look, ...]) -> dict:
    return {
        "format": FORMAT,
        "title": review.title, "subtitle": review.subtitle, "lang": review.lang,
        "credits": [[c.role, c.label, c.value, list(c.names), c.line] for c in review.credits],
        "body_html": review.body_html, "text": review.text,
        "images": [[image.path, image.media_type] for image in review.images],
        "looked": [list(look) for look in looks],
        "diagnostics": [[d.file, d.line, d.col, d.severity, d.code, d.message] for d in found],
    }


def _decode(entry: dict) -> tuple[Review, tuple[Diagnostic, ...], tuple[Look, ...]]:
    def text(value: object) -> str:
        if not isinstance(value, str):
            raise TypeError("not a string")
        return value

    def number(value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("not an integer")
        return value

    def strings(value: object) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise TypeError("not a list")
        return tuple(text(n) for n in value)

    review = Review(
        title=text(entry["title"]), subtitle=text(entry["subtitle"]), lang=text(entry["lang"]),
        credits=tuple(Credit(text(role), text(label), text(value), strings(names), number(line))
                      for role, label, value, names, line in entry["credits"]),
        body_html=text(entry["body_html"]), text=text(entry["text"]),
        images=[Image(text(path), text(media_type)) for path, media_type in entry["images"]],
    )
    looks = tuple((text(candidate), text(rel), text(digest)) for candidate, rel, digest in entry["looked"])
    found = []
    for file, line, col, severity, code, message in entry["diagnostics"]:
        if severity not in ("error", "warning"):
            raise ValueError("not a severity")
        found.append(Diagnostic(text(file), number(line), number(col), severity, text(code), text(message)))
    return review, tuple(found), looks
