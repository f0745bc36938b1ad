"""Laid-out documents → one PDF (pikepdf): pages in book order, one copy of each font,
links and bookmarks across documents, folios stamped on the body's pages.

Each section of the book is a WeasyPrint document of its own (laid out in parallel, kept in
the cache). Merged naively, the PDF would carry one subset of each font per section, links
from the contents to the chapters would be lost, and the bookmarks would not nest. So:

- fonts: WeasyPrint names a font resource by a hash of its description and keeps glyph ids
  (CIDs are the original font's glyph ids), so the same font in two documents is the same
  resource name with the same glyph ids. Each one is re-subset once from the original file
  for the union of the glyphs all documents use; widths and the ToUnicode map are the
  unions of theirs. The result is the size of a single-pass build's fonts;
- links: internal links keep WeasyPrint's named destinations; the merged PDF gets one
  ``/Dests`` name tree of every real anchor (the first one wins, as in WeasyPrint);
- bookmarks: the pages' bookmark lists are joined and nested with WeasyPrint's own rule;
- folios: laid out on their own pages (render/layout.py, ``folios-only``) and drawn over
  the body's pages as form XObjects.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Sequence
from math import ceil
from types import SimpleNamespace

import pikepdf

from .engine import Matrix, make_page_bookmark_tree
from .jobs import BLANK, FontUse, LaidOut, Slot
from .subset import font_uses

# The documents of the last merge. Freeing them takes a quarter of the merge (200 chapters:
# 0.06 of 0.24 s); a build's process and its workers end without freeing (os._exit), and a
# process that merges again frees them then: the book's PDF is not kept waiting for it.
_last: list[pikepdf.Pdf] = []


def merge(docs: Sequence[LaidOut], slots: Sequence[Slot], programs: dict[str, bytes],
          finish: Callable[[pikepdf.Pdf], None] | None = None,
          own: dict[int, dict[str, bytes]] | None = None) -> bytes:
    """The merged PDF. ``docs[0]`` is the base: its catalog and metadata are kept. ``programs``:
    the fonts merged into one for the whole book (render/subset.py), by WeasyPrint's name.
    ``finish`` is applied to the merged PDF just before it is saved. ``own``: by document, the
    programs of fonts it wrote with a stand-in and that are not merged. Runs in a worker as
    well as here (picklable arguments)."""
    _last.clear()
    sources = [pikepdf.open(io.BytesIO(d.pdf)) for d in docs]
    for n, fonts in (own or {}).items():
        _put_programs(sources[n], fonts)
    try:
        out = sources[0]
        base_pages = list(out.pages)
        template = base_pages[0].obj if base_pages else None
        placed: list[pikepdf.Page] = []
        for slot in slots:
            if slot.doc == BLANK:
                placed.append(_blank(out, template))
            elif slot.doc == 0:
                placed.append(base_pages[slot.page])
            else:
                placed.append(pikepdf.Page(out.copy_foreign(sources[slot.doc].pages[slot.page].obj)))
        # Rebuild the page tree in slot order (the base document's pages first removed).
        while len(out.pages):
            del out.pages[-1]
        for page in placed:
            out.pages.append(page)
        placed = list(out.pages)
        uses = font_uses(docs)
        save_state = out.make_stream(b"q\n")  # one stream, opening every stamped page's content
        for n, slot in enumerate(slots):
            if slot.folio is not None:
                folio_doc, folio_page = slot.folio
                _stamp(out, placed[n], sources[folio_doc].pages[folio_page], set(programs), save_state)
        _merge_fonts(out, uses, programs)
        _destinations(out, docs, slots, placed)
        _outlines(out, docs, slots)
        if finish is not None:
            finish(out)
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return buffer.getvalue()
    finally:
        for source in sources:
            source.close()
        _last.extend(sources)


def _stamp(pdf: pikepdf.Pdf, page: pikepdf.Page, folio: pikepdf.Page, merged: set[str],
           save_state: pikepdf.Stream) -> None:
    """Draw the folio's page (same geometry) over the page: its drawing is appended to the
    page's content, its fonts and graphic states added to the page's resources (the names are
    WeasyPrint's: a font's is a hash of its description, so equal names are the same font,
    one object once ``merged``). Should a name mean something else on this page, or name a
    font that keeps a subset per document, the folio is drawn as a form instead."""
    theirs = pdf.copy_foreign(folio.obj.get("/Resources", pikepdf.Dictionary()))
    ours = page.obj.get("/Resources")
    if not isinstance(ours, pikepdf.Dictionary):
        ours = pdf.make_indirect(pikepdf.Dictionary())
        page.obj.Resources = ours
    additions: list[tuple[pikepdf.Dictionary, str, pikepdf.Object]] = []
    for kind, entries in theirs.items():
        if not isinstance(entries, pikepdf.Dictionary):
            continue
        mine = ours.get(kind)
        if mine is None:
            mine = pikepdf.Dictionary()
            ours[kind] = mine
        for name, value in entries.items():
            if name not in mine:
                additions.append((mine, name, value))
            elif not _same(mine[name], value, kind) or (kind == "/Font" and name.lstrip("/") not in merged):
                form = pdf.copy_foreign(folio.as_form_xobject())
                xobjects = pikepdf.Dictionary({k: v for k, v in ours.get("/XObject", {}).items()})
                xobjects["/AnthologyFolio"] = form
                own = pikepdf.Dictionary({k: v for k, v in ours.items()})
                own["/XObject"] = xobjects
                page.obj.Resources = pdf.make_indirect(own)
                _replace_content(pdf, page, b"q /AnthologyFolio Do Q", save_state)
                return
    for mine, name, value in additions:
        mine[name] = value
    _replace_content(pdf, page, _content(folio), save_state)


def _same(a: pikepdf.Object, b: pikepdf.Object, kind: str) -> bool:
    if kind == "/Font":
        return str(a.get("/BaseFont", "")) == str(b.get("/BaseFont", ""))
    if a.is_indirect and b.is_indirect:
        return a.objgen == b.objgen
    return a.unparse() == b.unparse() if not isinstance(a, pikepdf.Stream) else False


def _content(page: pikepdf.Page) -> bytes:
    contents = page.obj.get("/Contents")
    if contents is None:
        return b""
    streams = [contents] if isinstance(contents, pikepdf.Stream) else list(contents)
    return b"\n".join(s.read_bytes() for s in streams)


def _replace_content(pdf: pikepdf.Pdf, page: pikepdf.Page, drawn_over: bytes, save_state: pikepdf.Stream) -> None:
    """The page's own drawing (its graphics state saved and restored), then the folio's: an
    array of content streams, the page's own kept as they are (compressed: inflating and
    compressing 500 pages again took most of the merge's save), ``save_state`` ("q") shared."""
    contents = page.obj.get("/Contents")
    own = [] if contents is None else [contents] if isinstance(contents, pikepdf.Stream) else list(contents)
    page.obj.Contents = pikepdf.Array([save_state, *own, pdf.make_stream(b"\nQ\nq\n" + drawn_over + b"\nQ\n")])


def _blank(pdf: pikepdf.Pdf, template: pikepdf.Dictionary | None) -> pikepdf.Page:
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, Resources=pikepdf.Dictionary(),
                              Contents=pdf.make_stream(b""))
    for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
        if template is not None and box in template:
            page[box] = pikepdf.Array([float(v) for v in template[box]])
    return pikepdf.Page(pdf.make_indirect(page))


# -- fonts ----------------------------------------------------------------------------------

def _font_dicts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every /Font resource dictionary reachable from the pages (forms included)."""
    found: dict[tuple[int, int], pikepdf.Dictionary] = {}
    seen: set[tuple[int, int]] = set()
    stack = [page.obj.get("/Resources") for page in pdf.pages]
    while stack:
        resources = stack.pop()
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        fonts = resources.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            found[fonts.objgen if fonts.is_indirect else (-len(found) - 1, 0)] = fonts
        for kind in ("/XObject", "/Pattern"):
            group = resources.get(kind)
            if isinstance(group, pikepdf.Dictionary):
                for _name, item in group.items():
                    if isinstance(item, pikepdf.Stream | pikepdf.Dictionary) and "/Resources" in item:
                        stack.append(item.Resources)
    return list(found.values())


def _put_programs(pdf: pikepdf.Pdf, programs: dict[str, bytes]) -> None:
    """The stand-in programs of these fonts (by WeasyPrint's name) replaced by theirs."""
    for fonts in _font_dicts(pdf):
        for name, font in fonts.items():
            program = programs.get(name.lstrip("/"))
            if program is None:
                continue
            descriptor = font.DescendantFonts[0].FontDescriptor
            for key in ("/FontFile2", "/FontFile3"):
                if key in descriptor:
                    descriptor[key] = _font_file(pdf, program, otf=key == "/FontFile3")


def _font_file(pdf: pikepdf.Pdf, program: bytes, *, otf: bool) -> pikepdf.Stream:
    """A font program's stream as WeasyPrint writes it (pydyf: compressed at level 9, the same
    keys in the same order), so that the book is the one its own subsets would have made."""
    compressor = zlib.compressobj(level=9)
    stream = pikepdf.Stream(pdf, b"")
    stream.write(compressor.compress(program) + compressor.flush(), filter=pikepdf.Name.FlateDecode)
    if otf:
        stream.Subtype = pikepdf.Name.OpenType
    else:
        stream.Length1 = len(program)
    return pdf.make_indirect(stream)


def _merge_fonts(pdf: pikepdf.Pdf, uses: dict[str, list[FontUse]], programs: dict[str, bytes]) -> None:
    """One font object per WeasyPrint font for the whole book."""
    canonical: dict[str, pikepdf.Object] = {}
    for fonts in _font_dicts(pdf):
        for name, font in list(fonts.items()):
            key = name.lstrip("/")
            if key not in programs:
                continue
            if key not in canonical:
                canonical[key] = font
            elif font.objgen != canonical[key].objgen:
                fonts[name] = canonical[key]
    for key, font in canonical.items():
        _rewrite_font(pdf, font, uses[key], programs[key])


def _rewrite_font(pdf: pikepdf.Pdf, font: pikepdf.Object, group: list[FontUse], program: bytes) -> None:
    """The font's program, widths and ToUnicode map: those of all the documents using it."""
    widths: dict[int, float] = {}
    to_unicode: dict[int, str] = {}
    for use in group:
        widths.update(use.widths)
        to_unicode.update(use.to_unicode)
    descendant = font.DescendantFonts[0]
    descriptor = descendant.FontDescriptor
    otf = program[:4] == b"OTTO"
    for key in ("/FontFile2", "/FontFile3"):
        if key in descriptor:
            del descriptor[key]
    stream = pdf.make_stream(program)
    if otf:
        stream.Subtype = pikepdf.Name.OpenType
    else:
        stream.Length1 = len(program)
    descriptor["/FontFile3" if otf else "/FontFile2"] = stream
    bbox = [float(v) for v in descriptor.FontBBox]
    bbox[2] = max(widths.values()) if widths else 0
    descriptor.FontBBox = pikepdf.Array(bbox)
    descendant.W = _widths_array(widths)
    font.ToUnicode = pdf.make_stream(_to_unicode_cmap(to_unicode))


def _widths_array(widths: dict[int, float]) -> pikepdf.Array:
    array: list[object] = []
    run: list[float] = []
    for cid in sorted(widths):
        if cid - 1 not in widths:
            run = []
            array += [cid, run]
        width = float(widths[cid])
        run.append(int(width) if width.is_integer() else round(width, 4))
    return pikepdf.Array([pikepdf.Array(item) if isinstance(item, list) else item for item in array])


def _to_unicode_cmap(to_unicode: dict[int, str]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
        b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
        b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def", b"1 begincodespacerange",
        b"<0000> <ffff>", b"endcodespacerange",
    ]
    items = sorted(to_unicode.items())
    for i in range(ceil(len(items) / 100)):
        batch = items[i * 100:(i + 1) * 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        for glyph, text in batch:
            lines.append(f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>".encode())
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


# -- links and bookmarks --------------------------------------------------------------------

def _destinations(pdf: pikepdf.Pdf, docs: Sequence[LaidOut], slots: Sequence[Slot],
                  placed: list[pikepdf.Page]) -> None:
    """One /Dests name tree: every real anchor of every document, the first occurrence winning."""
    dests: dict[str, tuple[int, float, float]] = {}
    for n, slot in enumerate(slots):
        if slot.doc == BLANK:
            continue
        for name, x, y in docs[slot.doc].anchors[slot.page]:
            dests.setdefault(name, (n, x, y))
    names = pikepdf.Array()
    for name in sorted(dests):
        n, x, y = dests[name]
        names.append(pikepdf.String(name))
        names.append(pikepdf.Array([placed[n].obj, pikepdf.Name.XYZ, x, y, 0]))
    root_names = pdf.Root.get("/Names")
    if not isinstance(root_names, pikepdf.Dictionary):
        root_names = pikepdf.Dictionary()
        pdf.Root.Names = root_names
    root_names.Dests = pdf.make_indirect(pikepdf.Dictionary(Names=names))


def _outlines(pdf: pikepdf.Pdf, docs: Sequence[LaidOut], slots: Sequence[Slot]) -> None:
    """The bookmarks of all pages in book order, nested by WeasyPrint's rule."""
    root: list = []
    skipped: list[int] = []
    last_by_depth: list[list] = [root]
    previous = 0
    identity = Matrix()
    for n, slot in enumerate(slots):
        if slot.doc == BLANK:
            continue
        marks = [(level, label, (x, y), state) for level, label, x, y, state in docs[slot.doc].bookmarks[slot.page]]
        if marks:
            previous = make_page_bookmark_tree(SimpleNamespace(bookmarks=marks), skipped, last_by_depth, previous,
                                               n, identity)
    if "/Outlines" in pdf.Root:
        del pdf.Root["/Outlines"]
    if not root:
        return
    with pdf.open_outline() as outline:
        outline.root.extend(_items(root))


def _items(tree: list) -> list[pikepdf.OutlineItem]:
    items = []
    for label, (page, x, y), children, state in tree:
        item = pikepdf.OutlineItem(label, page, pikepdf.PageLocation.XYZ, left=x, top=y, zoom=0)
        item.children.extend(_items(children))
        item.is_closed = state == "closed"
        items.append(item)
    return items
