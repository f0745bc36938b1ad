"""WeasyPrint, imported on first use and only through here.

Start-up: an EPUB whose layout is all in the cache never needs WeasyPrint (a third of a
second to import), so our modules bind the names below, which import it when first used.

On Linux, WeasyPrint's import tries each library's Windows and macOS names first
('libgobject-2.0-0', 'gobject-2.0', …). For each of those cffi asks
``ctypes.util.find_library``, which spawns ldconfig, gcc and ld before giving up: some
twenty processes, 150 ms. While WeasyPrint is imported here, find_library answers None
at once: cffi raises OSError for those names, WeasyPrint tries its next one, and the Linux
names ('libgobject-2.0.so.0', …) load directly through dlopen: the very files find_library
would have named. Should a library load only under a name find_library finds, the import is
done again the ordinary way. (While WeasyPrint is imported, find_library finds nothing for
any thread: nothing of ours calls it.)

Once imported, WeasyPrint's fonts are subset by uharfbuzz (:func:`_subset_with_uharfbuzz`),
its HTML parser's cache of regular expressions works (render/htmlparse.py), its images
are named after their bytes, not their URLs (render/images.py), and it draws text faster
(render/glyphs.py).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

_importing = threading.Lock()


def load(module: str = "weasyprint") -> ModuleType:
    """``module`` (WeasyPrint or a module built on it), WeasyPrint imported first if it is not yet."""
    if "weasyprint" not in sys.modules:
        with _importing:
            if "weasyprint" not in sys.modules:
                _import_weasyprint()
    return importlib.import_module(module)


def _import_weasyprint() -> None:
    imported = False
    if sys.platform.startswith("linux"):
        try:
            with no_library_search():
                importlib.import_module("weasyprint")
            imported = True
        except OSError:
            pass  # a library under a name only find_library knows: the ordinary import below
    if not imported:
        importlib.import_module("weasyprint")
    _subset_with_uharfbuzz()
    from . import glyphs, htmlparse, images, pagestyles

    htmlparse.install()
    images.install()
    glyphs.install()
    pagestyles.install()


def follows(module: Any, digests: dict[str, str]) -> bool:
    """Whether ``module``'s file is the one a patch of ours was written from: its SHA-256 is
    ``digests[module.__name__]`` (render/glyphs.py, render/pagestyles.py: with any other file,
    WeasyPrint's own code runs)."""
    try:
        with open(module.__file__, "rb") as source:
            return hashlib.sha256(source.read()).hexdigest() == digests[module.__name__]
    except (OSError, TypeError, AttributeError, KeyError):
        return False


def _subset_with_uharfbuzz() -> None:
    """WeasyPrint's fonts subset by uharfbuzz, whatever the system has (render/subset.py:
    without libharfbuzz-subset, WeasyPrint's fontTools fallback made builds six times slower)."""
    from weasyprint.pdf.fonts import Font

    from .subset import _WEASYPRINT_SUBSET, subset_for_weasyprint

    if Font.subset is not subset_for_weasyprint:
        _WEASYPRINT_SUBSET[:] = [Font.subset]
        Font.subset = subset_for_weasyprint


@contextlib.contextmanager
def no_library_search() -> Iterator[None]:
    """``ctypes.util.find_library`` finds nothing and spawns nothing until the block ends
    (the original is back afterwards, whatever happens inside)."""
    import ctypes.util  # here: a build whose pieces are all in the cache never needs it

    original = ctypes.util.find_library
    ctypes.util.find_library = _not_searched
    try:
        yield
    finally:
        ctypes.util.find_library = original


def _not_searched(name: str) -> None:
    return None


FONT_FOLDER = "anthology-fonts-"  # + pid + "-" + random: WeasyPrint's @font-face files, per configuration


def font_configuration() -> FontConfiguration:
    """A WeasyPrint FontConfiguration whose temporary folder is named after this process.

    WeasyPrint copies every @font-face file (19 MB for the theme, its CJK fallback included)
    into a folder of its own, removed when the configuration is destroyed: never, for a
    process that is killed or a worker that is stopped. Ours are named after their process,
    so that the first configuration a process makes removes those of processes that are gone."""
    _sweep_once()
    config = FontConfiguration()
    config._folder = Path(tempfile.mkdtemp(prefix=f"{FONT_FOLDER}{os.getpid()}-"))
    return config


@functools.cache
def _sweep_once() -> None:
    for folder in Path(tempfile.gettempdir()).glob(f"{FONT_FOLDER}*"):
        pid = folder.name[len(FONT_FOLDER):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def release_fonts(config: Any) -> None:
    """Remove a FontConfiguration's temporary folder (its @font-face files) now. WeasyPrint
    removes it when the object is destroyed, but the command line ends with os._exit, which
    destroys nothing (cli.console); afterwards the object's own cleanup finds nothing to do."""
    folder, config._folder = getattr(config, "_folder", None), None
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


class Deferred:
    """A name of WeasyPrint (or of a module built on it) that imports it when first used:
    called, checked against with isinstance, asked for an attribute, or subclassed."""

    __slots__ = ("_module", "_name")

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name

    def resolve(self) -> Any:
        return getattr(load(self._module), self._name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __instancecheck__(self, instance: object) -> bool:
        return isinstance(instance, self.resolve())

    def __mro_entries__(self, bases: tuple[object, ...]) -> tuple[type, ...]:
        return (self.resolve(),)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(self.resolve(), attribute)

    def __repr__(self) -> str:
        return f"<{self._module}.{self._name}, imported on first use>"


if TYPE_CHECKING:
    from weasyprint import CSS, HTML, Document
    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix
    from weasyprint.text.fonts import FontConfiguration, get_hb_object_data
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from .fetcher import ConfinedFetcher
else:
    CSS = Deferred("weasyprint", "CSS")
    HTML = Deferred("weasyprint", "HTML")
    Document = Deferred("weasyprint", "Document")
    FontConfiguration = Deferred("weasyprint.text.fonts", "FontConfiguration")
    get_hb_object_data = Deferred("weasyprint.text.fonts", "get_hb_object_data")
    make_page_bookmark_tree = Deferred("weasyprint.anchors", "make_page_bookmark_tree")
    Matrix = Deferred("weasyprint.matrix", "Matrix")
    URLFetcher = Deferred("weasyprint.urls", "URLFetcher")
    URLFetcherResponse = Deferred("weasyprint.urls", "URLFetcherResponse")
    ConfinedFetcher = Deferred(f"{__package__}.fetcher", "ConfinedFetcher")  # for render/pdf.py

__all__ = [
    "CSS", "HTML", "ConfinedFetcher", "Deferred", "Document", "FontConfiguration", "Matrix", "URLFetcher",
    "URLFetcherResponse", "follows", "font_configuration", "get_hb_object_data", "load", "make_page_bookmark_tree",
    "no_library_search", "release_fonts",
]
