"""The fonts of the merged book: one subset of each font for the whole book.

WeasyPrint embeds in each document the glyphs that document uses; the merged book keeps one
program per font, subset with HarfBuzz for the glyphs of every document (render/merge.py puts
it in). Subsets are kept in the cache's ``fonts/`` folder. This runs in the build's process,
before the merge is handed to a worker: the merge's worker then never holds a font file (the
CJK fallback alone is 16 MB), and pikepdf is not needed here.

The documents themselves (render/layout.py) embed a stand-in program, four bytes, for the
fonts this process can read (the theme's): their subsets would be thrown away by the merge,
and they were two thirds of each document's PDF (4 of 6 MB at 200 reviews: laid out,
pickled, cached, read back and parsed at every build). A font the merge does not make one
program of (a document drew .notdef with it, say) gets back, in each document, the very
subset WeasyPrint would have embedded there (:func:`own_programs`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AnthologyError
from .cache import write_atomic
from .engine import get_hb_object_data
from .jobs import FontUse, LaidOut, source_date_epoch

if TYPE_CHECKING:
    import uharfbuzz as hb

FontSource = Callable[[str], bytes | None]  # sha256 of a font file → its bytes (None: unknown)


def font_uses(docs: Sequence[LaidOut]) -> dict[str, list[FontUse]]:
    """Each font's uses in the documents, by WeasyPrint's name for it."""
    uses: dict[str, list[FontUse]] = {}
    for doc in docs:
        for use in doc.fonts:
            uses.setdefault(use.key, []).append(use)
    return uses


def font_programs(docs: Sequence[LaidOut], font_source: FontSource, when: int, cache: Path | None,
                  used: set[str] | None) -> dict[str, bytes]:
    """The new program of each font that can be merged (a font is merged only once its new
    program exists: otherwise every document keeps its own subset). ``used``: the names of the
    subsets taken from or put in ``cache``."""
    programs: dict[str, bytes] = {}
    with source_date_epoch(when):
        for key, group in font_uses(docs).items():
            program = _merged_program(group, font_source, cache, used) if _mergeable(group) else None
            if program is not None:
                programs[key] = program
    return programs


def _mergeable(group: list[FontUse]) -> bool:
    return len({u.original for u in group}) == 1 and not any(u.missing for u in group)


def _merged_program(group: list[FontUse], font_source: FontSource, cache: Path | None,
                    used: set[str] | None) -> bytes | None:
    gids = sorted({gid for use in group for gid in use.to_unicode})
    original = font_source(group[0].original) or next((u.data for u in group if u.data), None)
    if original is None or not gids:
        return None
    return _subset(original, group[0].original, group[0].index, gids, cache, used)


def own_programs(docs: Sequence[LaidOut], font_source: FontSource, when: int, cache: Path | None,
                 used: set[str] | None, merged: dict[str, bytes]) -> dict[int, dict[str, bytes]]:
    """For each document (by its index), the programs of its fonts written with a stand-in
    that are not in ``merged``: the subset WeasyPrint would have embedded in it."""
    own: dict[int, dict[str, bytes]] = {}
    with source_date_epoch(when):
        for n, doc in enumerate(docs):
            for use in doc.fonts:
                if not use.deferred or use.key in merged:
                    continue
                original = font_source(use.original)
                program = None if original is None else _subset(
                    original, use.original, use.index, sorted(use.to_unicode), cache, used,
                    hinting=use.hinting, notdef=use.missing)
                if program is None:  # a font file replaced while the book was laid out
                    raise AnthologyError.single(
                        "anthology.yaml", 0, 0, "font-changed",
                        "a font file of the theme changed while the book was laid out: build again "
                        "(the previous book is untouched)")
                own.setdefault(n, {})[use.key] = program
    return own


def _subset(original: bytes, original_sha: str, index: int, gids: list[int], cache: Path | None,
            used: set[str] | None = None, *, hinting: bool = False, notdef: bool = False) -> bytes | None:
    """The font re-subset for these glyph ids (kept in the cache's fonts/ folder)."""
    flags = "".join(f" {name}" for name, on in (("hinting", hinting), ("notdef", notdef)) if on)
    digest = hashlib.sha256(f"{original_sha} {index} {gids}{flags}".encode()).hexdigest()
    if used is not None:
        used.add(digest)
    cached = cache / f"{digest}.font" if cache is not None else None
    if cached is not None and cached.is_file():
        with contextlib.suppress(OSError):
            os.utime(cached)  # recently used: kept by the cache's prune()
            return cached.read_bytes()
    data = _harfbuzz_subset(original, index, gids, hinting=hinting, notdef=notdef)
    if data is None:
        return None
    if cached is not None:
        with contextlib.suppress(OSError):  # a cache that cannot be written only makes the next build slower
            cached.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(cached, data)
    return data


_DROP_TABLES = [int.from_bytes(tag.encode(), "big") for tag in  # OpenType tags as HarfBuzz integers
                ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")]


def _harfbuzz_subset(original: bytes, index: int, gids: list[int], *, hinting: bool = False,
                     notdef: bool = False) -> bytes | None:
    """HarfBuzz's subsetter with WeasyPrint's flags: glyph ids kept (the content streams use
    them), outlines of unused glyphs dropped, then the empty glyphs after the last one used.
    ``hinting`` keeps the hinting instructions, ``notdef`` the outline of glyph 0 (a document
    that drew .notdef)."""
    import uharfbuzz as hb  # here: an EPUB alone, all in the cache, subsets nothing

    face = hb.Face(hb.Blob(original), index)
    if not _subsettable(face):
        return None
    outline = hb.SubsetFlags.NOTDEF_OUTLINE if notdef else hb.SubsetFlags.DEFAULT
    first = hb.SubsetInput()
    first.glyph_set.update(gids)
    first.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                   | hb.SubsetFlags.DESUBROUTINIZE | outline)
    first.sets(hb.SubsetInputSets.DROP_TABLE_TAG).update(_DROP_TABLES)
    retained = hb.subset(face, first)
    if retained is None:
        return None
    second = hb.SubsetInput()
    second.glyph_set.update(range(max(gids) + 1))
    second.flags = (hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE | outline
                    | (hb.SubsetFlags.DEFAULT if hinting else hb.SubsetFlags.NO_HINTING))
    second.sets(hb.SubsetInputSets.DROP_TABLE_TAG).update(_DROP_TABLES)
    final = hb.subset(retained, second)
    data = final.blob.data if final is not None else b""
    return bytes(data) or None


def _subsettable(face: hb.Face) -> bool:
    """Variable and colour fonts: WeasyPrint transforms them; they keep its subsets."""
    return not any(face.reference_table(tag).data for tag in ("fvar", "CBDT", "SVG ", "COLR", "sbix"))


class Deferral:
    """While a document is written for the merge (render/layout.py): the fonts it writes with
    a stand-in program, by WeasyPrint's name, with the hinting flag their subset is made with."""

    def __init__(self, known: frozenset[str], originals: dict[str, tuple[str, bytes]]) -> None:
        self.known = known  # sha256 of the font files the merge can read
        self.originals = originals  # WeasyPrint's font name → (sha256, bytes) of its file
        self.deferred: dict[str, bool] = {}

    def program_for(self, font: object, hinting: bool) -> bytes | None:
        """The stand-in ``font`` is written with, or None: its subset is made here and now."""
        digest, original = original_of(font, self.originals)
        if digest not in self.known:
            return None
        program = stand_in(original, digest, int(font.index))  # type: ignore[attr-defined]
        if program is not None:
            self.deferred[font.hash] = hinting  # type: ignore[attr-defined]
        return program


def original_of(font: object, originals: dict[str, tuple[str, bytes]]) -> tuple[str, bytes]:
    """(sha256, bytes) of the whole file of a WeasyPrint font, kept in ``originals`` under the
    font's name: hashed once per font configuration (the CJK fallback is 16 MB)."""
    key = font.hash  # type: ignore[attr-defined]
    if key not in originals:
        data = get_hb_object_data(font.hb_face)  # type: ignore[attr-defined]
        originals[key] = (hashlib.sha256(data).hexdigest(), data)
    return originals[key]


_deferrals: list[Deferral] = []


@contextlib.contextmanager
def deferring(known: frozenset[str], originals: dict[str, tuple[str, bytes]]) -> Iterator[Deferral]:
    """Fonts of ``known`` files written with a stand-in until the block ends."""
    deferral = Deferral(known, originals)
    _deferrals.append(deferral)
    try:
        yield deferral
    finally:
        _deferrals.pop()


_STAND_INS: dict[tuple[str, int], bytes | None] = {}


def stand_in(original: bytes, digest: str, index: int) -> bytes | None:
    """The four bytes a font is written with until the merge puts its subset in: the first
    four of that subset (WeasyPrint reads the font's type there: CFF "OTTO" or TrueType
    outlines), or None when HarfBuzz would not subset it (WeasyPrint's subset stays)."""
    if (digest, index) not in _STAND_INS:
        import uharfbuzz as hb

        face = hb.Face(hb.Blob(original), index)
        cff = any(face.reference_table(tag).data for tag in ("CFF ", "CFF2"))
        _STAND_INS[digest, index] = (b"OTTO" if cff else b"\0\1\0\0") if _subsettable(face) else None
    return _STAND_INS[digest, index]


def subset_for_weasyprint(font: object, to_unicode: dict[int, str], hinting: bool) -> None:
    """WeasyPrint's ``Font.subset``, done by uharfbuzz (render/engine.py puts it in place).

    WeasyPrint subsets with the system's libharfbuzz-subset when it finds one and otherwise
    with fontTools, which parses the whole font each time: with the 16 MB CJK fallback, a
    book laid out six times slower on a machine without that library (74 s instead of 12 s
    at 200 reviews, measured). uharfbuzz is a dependency of ours, so every machine subsets
    the same way, with the same flags. A font this cannot subset (variable, colour) goes to
    WeasyPrint's own method."""
    if not to_unicode:
        return
    if _deferrals and (program := _deferrals[-1].program_for(font, hinting)) is not None:
        font.file_content = program  # type: ignore[attr-defined]
        return
    data = _harfbuzz_subset(font.file_content, font.index, sorted(to_unicode),  # type: ignore[attr-defined]
                            hinting=hinting, notdef=bool(font.missing))  # type: ignore[attr-defined]
    if data is None:
        _WEASYPRINT_SUBSET[0](font, to_unicode, hinting)
    else:
        font.file_content = data  # type: ignore[attr-defined]


_WEASYPRINT_SUBSET: list[Callable[..., None]] = []  # WeasyPrint's own Font.subset, once replaced
