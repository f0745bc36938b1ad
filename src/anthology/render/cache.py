"""The layout cache: ``.anthology-cache/`` in the project (render/cachedir.py), safe to delete.

An entry is one laid-out document (render/layout.py), stored under the SHA-256 of everything
its layout depends on: the tool's and WeasyPrint's versions, the complete HTML, every
stylesheet's text (theme, user overrides, page geometry, font files by path), the theme's
font files by content, the first page number, which margin boxes were kept. Project files
read during layout or by a stylesheet (images, fonts, imports) are recorded with their own
SHA-256, or as absent, and re-hashed on every lookup: an entry whose files changed is a
miss. System fonts that fontconfig substitutes for characters no bundled font has are not
tracked: after installing or removing such fonts, build once with --no-cache. Otherwise an
entry is reused only for the very same input, and a stale book cannot come out of the cache.

Entries are a PDF and a JSON file (no pickle: a project folder may come from anyone, and
loading the cache must not run code). A damaged entry is a miss. Once a build has read what
it needs (while its PDF is merged), old entries it did not use are removed (see :func:`prune`).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from .cachedir import cache_dir, layout_dir
from .jobs import FontUse, Job, LaidOut, current_sha256

if TYPE_CHECKING:
    from ..index import SortKeys
from .pagelist import PageBreak

FORMAT = "layout-6"  # bump when LaidOut or the way jobs are laid out changes (6: images named by their bytes)


@functools.cache
def salt() -> str:
    """What every key starts from. WeasyPrint's version comes from its package's metadata:
    importing WeasyPrint to ask would cost a build that lays out nothing a third of a second.
    uharfbuzz subsets the fonts each document embeds (render/subset.py): its version too."""
    from importlib.metadata import version

    return f"{FORMAT} anthology {__version__} weasyprint {version('weasyprint')} uharfbuzz {version('uharfbuzz')}"


def hyphenation_folder(cache: LayoutCache | None) -> str:
    """The folder of parsed hyphenation patterns the workers are given (render/hyphenation.py),
    "" for a build without the cache."""
    return str(cache.hyphenation) if cache is not None else ""


class LayoutCache:
    def __init__(self, project: Path) -> None:
        self.project = project.resolve()
        self.folder = layout_dir(project)
        self.fonts = cache_dir(project) / "fonts"
        self.hyphenation = cache_dir(project) / "hyphenation"  # parsed patterns (render/hyphenation.py)
        self.used: set[str] = set()
        self.used_fonts: set[str] = set()  # font subsets (render/merge.py) this build used

    def key(self, job: Job) -> str:
        return job.key(salt())

    def has(self, key: str) -> bool:
        """Whether an entry exists under ``key`` (it may still be damaged: see :meth:`get`)."""
        return (self.folder / f"{key}.json").is_file()

    def get(self, job: Job, key: str | None = None) -> LaidOut | None:
        """The entry of ``job`` (``key``: its key, when already computed), or None."""
        key = key if key is not None else self.key(job)
        try:
            meta = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            pdf = (self.folder / f"{key}.pdf").read_bytes()
            if meta.get("format") != FORMAT or hashlib.sha256(pdf).hexdigest() != meta.get("pdf_sha256"):
                raise ValueError("damaged entry")
            result = _decode(meta, pdf)
            if not all(current_sha256(url, self.project) == digest for url, digest in result.read):
                raise ValueError("a file it read has changed")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        self.used.add(key)
        with contextlib.suppress(OSError):
            os.utime(self.folder / f"{key}.json")  # recently used: kept by prune()
        return result

    def put(self, job: Job, result: LaidOut) -> None:
        key = self.key(job)
        self.used.add(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / f"{key}.pdf", result.pdf)
            write_atomic(self.folder / f"{key}.json", json.dumps(_encode(result), sort_keys=True).encode("utf-8"))
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower

    def prune(self, keep_days: float = 7.0) -> None:
        """Forget what is no longer useful (see :func:`prune`)."""
        prune(self.folder, self.used, keep_days)
        prune(self.fonts, self.used_fonts, keep_days)
        prune(self.hyphenation, set(), keep_days)  # read by the workers: each read renews a file's time


class SortKeyCache:
    """The collation weights of the index headings (``collation.json``): a build whose headings
    were all seen before does not load pyuca's table (a tenth of a second). Kept under
    :func:`~anthology.index.collation_version`; only the weights the last build used are kept."""

    def __init__(self, project: Path) -> None:
        self.path = cache_dir(project) / "collation.json"
        self.loaded: dict[str, tuple[int, ...]] = {}

    def load(self) -> SortKeys:
        from ..index import SortKeys, collation_version

        try:
            data = json.loads(self.path.read_bytes())
            if data["version"] == collation_version():
                self.loaded = {text: _weights(weights) for text, weights in data["keys"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            self.loaded = {}
        return SortKeys(self.loaded)

    def save(self, keys: SortKeys) -> None:
        from ..index import collation_version

        used = keys.used()
        if used == self.loaded:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps({"version": collation_version(), "keys": used}).encode("utf-8"))


def _weights(value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(type(w) is int for w in value):
        raise TypeError("not a list of integers")
    return tuple(value)


def prune(folder: Path, used: set[str], keep_days: float = 7.0) -> None:
    """Forget what is no longer useful in one cache folder: entries (files named by their key,
    before the first dot) unused for ``keep_days``, and beyond as many unused entries as this
    build used (so that undoing an edit still finds its entry, while the folder stays the size
    of a few books). Temporary files of killed builds go too."""
    now = time.time()
    with contextlib.suppress(OSError):
        unused: dict[str, list[Path]] = {}
        for path in folder.iterdir():
            name = path.name.split(".")[0]
            if path.name.startswith(".tmp-") and now - path.stat().st_mtime > 3600:
                path.unlink(missing_ok=True)
            elif name and name not in used:
                unused.setdefault(name, []).append(path)
        newest = sorted(unused, key=lambda n: max(_mtime(p) for p in unused[n]), reverse=True)
        for rank, name in enumerate(newest):
            if rank >= max(len(used), 50) or now - max(_mtime(p) for p in unused[name]) > keep_days * 86400:
                for path in unused[name]:
                    path.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def file_digests(paths: list[Path], memo: Path | None = None) -> dict[Path, str]:
    """The SHA-256 of each existing file of ``paths``. ``memo``: a JSON file of the digests
    already computed, each under the file's device, inode, size and modification and change
    times (what make and git trust: a file written again, even with its times copied, gets a
    new change time); a file whose ``stat`` differs is read and hashed again. The theme's
    fonts are 19 MB: hashing them took 30 ms at every build."""
    known: dict[str, list] = {}
    if memo is not None:
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(memo.read_bytes())
            if isinstance(loaded, dict):
                known = loaded
    found: dict[Path, str] = {}
    changed = False
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        stamp = [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]
        entry = known.get(str(path))
        if isinstance(entry, list) and len(entry) == 6 and entry[:5] == stamp and isinstance(entry[5], str):
            found[path] = entry[5]
            continue
        try:
            found[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
        known[str(path)] = [*stamp, found[path]]
        changed = True
    if memo is not None and changed:
        with contextlib.suppress(OSError):  # a memo that cannot be written only makes the next build slower
            memo.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(memo, json.dumps(known, sort_keys=True).encode("utf-8"))
    return found


def write_atomic(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _encode(result: LaidOut) -> dict:
    return {
        "format": FORMAT,
        "pdf_sha256": hashlib.sha256(result.pdf).hexdigest(),
        "pages": result.pages,
        "anchors": [[list(a) for a in page] for page in result.anchors],
        "bookmarks": [[list(b) for b in page] for page in result.bookmarks],
        "page_names": list(result.page_names),
        "blank": list(result.blank),
        "breaks": [[b.label, b.section, b.block, b.offset] for b in result.breaks],
        "trailing": result.trailing,
        "fonts": [{
            "key": f.key, "original": f.original, "index": f.index,
            "widths": [[k, v] for k, v in sorted(f.widths.items())],
            "to_unicode": [[k, v] for k, v in sorted(f.to_unicode.items())],
            "missing": f.missing, "data": base64.b64encode(f.data).decode("ascii"),
            "deferred": f.deferred, "hinting": f.hinting,
        } for f in result.fonts],
        "messages": list(result.messages),
        "refused": list(result.refused),
        "read": [list(r) for r in result.read],
    }


def _decode(meta: dict, pdf: bytes) -> LaidOut:
    return LaidOut(
        pdf=pdf,
        pages=int(meta["pages"]),
        anchors=tuple(tuple((str(n), float(x), float(y)) for n, x, y in page) for page in meta["anchors"]),
        bookmarks=tuple(tuple((int(lv), str(lb), float(x), float(y), str(st)) for lv, lb, x, y, st in page)
                        for page in meta["bookmarks"]),
        page_names=tuple(str(n) for n in meta["page_names"]),
        blank=tuple(bool(b) for b in meta["blank"]),
        breaks=tuple(PageBreak(str(a), str(b), str(c), int(d)) for a, b, c, d in meta["breaks"]),
        trailing=int(meta["trailing"]),
        fonts=tuple(FontUse(
            key=str(f["key"]), original=str(f["original"]), index=int(f["index"]),
            widths={int(k): float(v) for k, v in f["widths"]},
            to_unicode={int(k): str(v) for k, v in f["to_unicode"]},
            missing=bool(f["missing"]), data=base64.b64decode(f["data"]),
            deferred=bool(f["deferred"]), hinting=bool(f["hinting"]),
        ) for f in meta["fonts"]),
        messages=tuple(str(m) for m in meta["messages"]),
        refused=tuple(str(r) for r in meta["refused"]),
        read=tuple((str(u), str(d)) for u, d in meta["read"]),
    )
