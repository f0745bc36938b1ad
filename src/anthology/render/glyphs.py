"""Drawing a line's glyphs into the PDF: WeasyPrint's ``draw_first_line``, faster, and the
lines Pango shaped for the layout drawn as they are.

To draw a text box WeasyPrint 70 first makes its Pango layout again (``Layout.reactivate``: a
new Pango context, font description and layout, the line's text set anew), since each layout
was dropped after the line was laid out (``Layout.deactivate``) to save memory, and Pango
shapes the text again. Then ``draw_first_line`` (``weasyprint/draw/text.py``) walks the glyphs
and writes each as a hexadecimal glyph id in a ``TJ`` array, with the offsets and kerning that
place it where Pango did: a loop that reads four fields of a C struct per glyph through cffi
(``glyph_info.geometry.width`` makes two cdata objects before it reaches the number), looks up
two constants on the Pango library per glyph, and adds to a growing string.

Two changes, both giving the same PDF byte for byte (tests/test_glyphs.py compares the output
with and without them, for every kind of glyph and for whole books):

- :func:`draw_first_line` is WeasyPrint's function statement for statement, except for how it
  reads and collects: each run's glyphs are read from Pango's array in one go (the structs'
  memory unpacked with ``struct``), the constants and the font's tables are local names, each
  run's ``TJ`` string is collected in a list and joined once. The numbers come from the same
  expressions in the same order. It draws a layout kept from the line's layout (below)
  without switching it to single-paragraph mode first: that switch, a no-op on a text without
  paragraph separators, would make Pango shape the line again.
- While :func:`keeping` is on (render/layout.py turns it on for each document it lays out, a
  chapter of a few pages, so memory does not matter), ``deactivate`` keeps the layout, and
  ``reactivate`` reuses it where a new one would draw the same glyphs: the same style object,
  a style whose ``set_text`` adds no attributes of its own (no letter or word spacing, no
  breaks inside words), a text without paragraph or line separators or tabs. A justified line
  then only gets its spacing set again (Pango shapes it again, as before, but the context,
  font description and layout are not made anew); any other line is drawn from the lines
  Pango already shaped for the layout, provided the kept layout holds the text on one line
  (it may still have the available width set: one line is the same glyphs without it).
  Anything else goes through WeasyPrint's ``reactivate``.

In the chapters of a 200-review book both together make the layout and PDF of a chapter 4 %
fewer instructions (callgrind, 39 chapters: 388 → 372 million each).

:func:`install` puts them in place only when the WeasyPrint modules that hold
``draw_first_line``, ``deactivate`` and ``reactivate`` are the files this module was written
from (by SHA-256): with any other version of WeasyPrint, WeasyPrint's own code runs.
"""

from __future__ import annotations

import contextlib
import struct
import sys
from collections.abc import Iterator
from typing import Any

from .engine import follows

# SHA-256 of the files of the WeasyPrint modules this module follows (WeasyPrint 70.0): their
# draw_first_line, Layout.deactivate and Layout.reactivate. The whole file, not the functions'
# source (inspect.getsource took 14 ms at each worker's start): any change in it, even
# elsewhere, and WeasyPrint's own code runs.
FOLLOWS = {
    "weasyprint.draw.text": "c9a450aa209277e760227e1fed2da492647bd28e5a5ebc4c9d8aaedecc400d77",
    "weasyprint.text.line_break": "1f5a855ad992e0bebaf5512d2b806fd991090e0e91bf79d3d5a3a0176b22af97",
}

_state: dict[str, Any] = {}
_SEPARATORS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_KEPT = "_anthology_kept"  # on a Layout: deactivated while layouts were kept
_REUSED = "_anthology_reused"  # on a Layout: how reactivate reused it (_LINES, _LAYOUT or None)
_LINES, _LAYOUT = "lines", "layout"  # its lines as Pango shaped them; the layout, its text set again
_keeping: list[bool] = [False]


def install() -> bool:
    """Our ``draw_first_line``, ``deactivate`` and ``reactivate`` in WeasyPrint's modules, if
    WeasyPrint's are the ones they follow (True when they are in place)."""
    if _state:
        return True
    text = sys.modules.get("weasyprint.draw.text")
    line_break = sys.modules.get("weasyprint.text.line_break")
    if text is None or line_break is None:
        return False
    if not (follows(text, FOLLOWS) and follows(line_break, FOLLOWS)):
        return False
    layout = line_break.Layout
    originals = {"draw_first_line": text.draw_first_line, "deactivate": layout.deactivate,
                 "reactivate": layout.reactivate}
    ffi = text.ffi
    info = ffi.typeof("PangoGlyphInfo")  # parsed once (each type named by a string is parsed anew)
    size = ffi.sizeof(info)
    fields = dict(info.fields)
    geometry = dict(fields["geometry"].type.fields)
    base = fields["geometry"].offset
    wanted = ((fields["glyph"], 0, "I"), (geometry["width"], base, "i"), (geometry["x_offset"], base, "i"),
              (geometry["y_offset"], base, "i"))
    record = ["x"] * size  # one struct: glyph (unsigned), width, x and y offsets (signed), the rest skipped
    for field, within, code in wanted:
        if ffi.sizeof(field.type) != 4 or field.type.cname != ("unsigned int" if code == "I" else "int"):
            return False
        record[within + field.offset:within + field.offset + 4] = [code, "", "", ""]
    _state.update(originals, module=text, layout=layout, record=struct.Struct("=" + "".join(record)), size=size)
    text.draw_first_line = draw_first_line
    layout.deactivate = _deactivate
    layout.reactivate = _reactivate
    return True


def uninstall() -> None:
    """WeasyPrint's own functions back (for the tests)."""
    if _state:
        _state["module"].draw_first_line = _state["draw_first_line"]
        _state["layout"].deactivate = _state["deactivate"]
        _state["layout"].reactivate = _state["reactivate"]
        _state.clear()


@contextlib.contextmanager
def keeping() -> Iterator[None]:
    """Pango layouts kept from layout to drawing while the block runs (see the module's
    docstring); the document laid out in the block should be written in it too."""
    _keeping.append(True)
    try:
        yield
    finally:
        _keeping.pop()


def _deactivate(self: Any) -> None:
    """WeasyPrint's ``Layout.deactivate`` (which drops the Pango layout), unless layouts are kept."""
    if _keeping[-1]:
        setattr(self, _KEPT, True)
        return
    _state["deactivate"](self)


def _reactivate(self: Any, style: Any) -> None:
    """WeasyPrint's ``Layout.reactivate`` (a new Pango layout for drawing), unless the kept one
    draws the same."""
    if getattr(self, _KEPT, False):
        setattr(self, _KEPT, False)
        if style is self.style and _plain(style) and not _SEPARATORS.intersection(self.text):
            if self.justification_spacing:
                _state["module"].pango.pango_layout_set_width(self.layout, -1)
                self.set_text(self.text, justify=True)
                setattr(self, _REUSED, _LAYOUT)
                return
            if self.get_first_line()[1] is None:
                setattr(self, _REUSED, _LINES)
                return
    setattr(self, _REUSED, None)
    _state["reactivate"](self, style)


def _plain(style: Any) -> bool:
    """``set_text`` gives a layout in this style no attributes of its own (no letter or word
    spacing, no breaks inside words): only the font features its setup gives every layout."""
    return (not style["word_spacing"] and style["letter_spacing"] == "normal"
            and style["overflow_wrap"] not in ("anywhere", "break-word"))


def draw_first_line(stream: Any, textbox: Any, text_overflow: Any, block_ellipsis: Any, matrix: Any) -> list:
    """Draw the given ``textbox`` line to the document ``stream`` (WeasyPrint's function, see the
    module's docstring for what differs)."""
    w = _state["module"]  # weasyprint.draw.text: the names its function uses
    pango, ffi, TO_UNITS, FROM_UNITS = w.pango, w.ffi, w.TO_UNITS, w.FROM_UNITS
    # Don’t draw lines with only invisible characters.
    if not textbox.text.strip():
        return []

    if textbox.style['font_size'] < 1e-6:  # default float precision used by pydyf
        return []

    reused = getattr(textbox.pango_layout, _REUSED, None)
    setattr(textbox.pango_layout, _REUSED, None)
    if reused and (text_overflow == 'ellipsis' or block_ellipsis != 'none'):
        # An ellipsis sets the layout's width: a new layout, as WeasyPrint draws it, whatever
        # the kept one's wrapping.
        _state["reactivate"](textbox.pango_layout, textbox.style)
        reused = None
    if reused != _LINES:
        pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)

    if text_overflow == 'ellipsis' or block_ellipsis != 'none':
        assert textbox.pango_layout.max_width is not None
        max_width = textbox.pango_layout.max_width
        pango.pango_layout_set_width(
            textbox.pango_layout.layout, int(max_width * TO_UNITS))
        if text_overflow == 'ellipsis':
            pango.pango_layout_set_ellipsize(
                textbox.pango_layout.layout, pango.PANGO_ELLIPSIZE_END)
        else:
            if block_ellipsis == 'auto':
                ellipsis = '…'
            else:
                assert block_ellipsis[0] == 'string'
                ellipsis = block_ellipsis[1]

            # Remove last word if hyphenated.
            new_text = textbox.pango_layout.text
            if new_text.endswith(textbox.style['hyphenate_character']):
                last_word_end = w.get_last_word_end(
                    new_text[:-len(textbox.style['hyphenate_character'])],
                    textbox.style['lang'])
                if last_word_end:
                    new_text = new_text[:last_word_end]

            textbox.pango_layout.set_text(new_text + ellipsis)

    first_line, index = textbox.pango_layout.get_first_line()

    if block_ellipsis != 'none':
        while index:
            last_word_end = w.get_last_word_end(
                textbox.pango_layout.text[:-len(ellipsis)],
                textbox.style['lang'])
            if last_word_end is None:
                break
            new_text = textbox.pango_layout.text[:last_word_end]
            textbox.pango_layout.set_text(new_text + ellipsis)
            first_line, index = textbox.pango_layout.get_first_line()

    stream.set_text_matrix(*matrix.values)
    previous_pango_font = None
    string = ''
    x_advance = 0
    emojis = []
    glyph_empty, unknown_flag = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG
    record, size = _state["record"], _state["size"]
    run = first_line.runs[0]
    while run != ffi.NULL:
        # Get Pango objects.
        glyph_item = run.data
        run = run.next
        glyph_string = glyph_item.glyphs
        num_glyphs = glyph_string.num_glyphs
        clusters = glyph_string.log_clusters
        utf8_text = None

        pango_font = glyph_item.item.analysis.font
        if pango_font != previous_pango_font:
            # Add font file content and get font size.
            previous_pango_font = pango_font
            font, font_size = stream.add_font(pango_font)

            # Workaround for https://gitlab.gnome.org/GNOME/pango/-/issues/530.
            # This is also needed by raster emoji fonts, see #2800.
            if pango.pango_version() < 14802 or font.png:
                font_size = textbox.style['font_size']

            # Go through the run glyphs.
            if string:
                stream.show_text(string)
            string = ''
            stream.set_font_size(font.hash, 1 if font.bitmap else font_size)
        to_unicode, widths, bitmap = font.to_unicode, font.widths, font.bitmap
        pictures = font.svg or font.png or font.colr
        parts = [string, '<']
        add = parts.append
        records = record.iter_unpack(ffi.buffer(glyph_string.glyphs, num_glyphs * size)) if num_glyphs else ()
        for i, (glyph_id, width, x_offset, y_offset) in enumerate(records):

            # Display zero-width empty glyph.
            if glyph_id == glyph_empty:
                add(f'>{-width / font_size}<')
                continue

            # Display .notdef and log warning for missing glyphs.
            if glyph_id & unknown_flag:
                codepoint = glyph_id - unknown_flag
                w.LOGGER.warning(
                    '.notdef glyph rendered for Unicode string unsupported by fonts: '
                    '"%s" (U+%04X)', chr(codepoint), codepoint)
                glyph_id = font.get_unused_glyph_id(codepoint)
                widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
                if 0 not in widths:
                    # "width" is actually Pango’s get_approximate_char_width. Force
                    # .notdef’s to use this width, even if it’s not the right, as we
                    # want to keep Pango’s layout for next glyphs.
                    widths[0] = widths[glyph_id]

            # Create mapping between glyphs and Unicode codepoints.
            if glyph_id not in to_unicode:
                # Get positions of the glyph in the UTF-8 string.
                offset = glyph_item.item.offset
                t1 = clusters[i]
                if glyph_item.item.analysis.level % 2:  # rtl
                    t2 = glyph_item.item.length if i == 0 else clusters[i-1]
                else:
                    t2 = glyph_item.item.length if i == num_glyphs-1 else clusters[i+1]
                utf8_text = utf8_text or textbox.pango_layout.text.encode()
                to_unicode[glyph_id] = utf8_text[offset+t1:offset+t2].decode()

            # Set horizontal and vertical offsets.
            offset = x_offset / font_size
            rise = y_offset / 1000
            if rise:
                string = ''.join(parts)
                if string[-1] == '<':
                    string = string[:-1]
                else:
                    string += '>'
                if string:
                    stream.show_text(string)
                stream.set_text_rise(-rise)
                string = ''
                if offset:
                    string = f'{-offset}'
                string += f'<{glyph_id:02x}>' if bitmap else f'<{glyph_id:04x}>'
                stream.show_text(string)
                stream.set_text_rise(0)
                parts = ['<']
                add = parts.append
            else:
                if offset:
                    add(f'>{-offset}<')
                add(f'{glyph_id:02x}' if bitmap else f'{glyph_id:04x}')

            # Get glyph logical widths.
            if glyph_id in widths:
                logical_width = widths[glyph_id]
            else:
                pango.pango_font_get_glyph_extents(
                    pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
                logical_width = widths[glyph_id] = round(
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size)

            # Set kerning, word spacing, letter spacing.
            kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
            if kerning:
                add(f'>{int(kerning)}<')

            # Create list of emojis.
            if pictures:
                _emoji(stream, textbox, w, font, font_size, pango_font, glyph_id, logical_width, kerning,
                       x_advance, emojis)

            x_advance += (logical_width + offset - kerning) / 1000

        # Close the last glyphs list, remove if empty.
        string = ''.join(parts)
        if string[-1] == '<':
            string = string[:-1]
        else:
            string += '>'

    # Draw text.
    stream.show_text(string)

    return emojis


def _emoji(stream: Any, textbox: Any, w: Any, font: Any, font_size: float, pango_font: Any, glyph_id: int,
           logical_width: int, kerning: float, x_advance: float, emojis: list) -> None:
    """The glyph's picture, if its font draws it as one (SVG, PNG or COLR), added to ``emojis``
    as WeasyPrint adds it."""
    pango, FROM_UNITS = w.pango, w.FROM_UNITS
    ElementTree, SVGImage, RasterImage = w.ElementTree, w.SVGImage, w.RasterImage
    if font.svg:
        svg_data = w.get_hb_object_data(font.hb_face, 'svg', glyph_id)
        if svg_data:
            # Do as explained in specification
            # https://learn.microsoft.com/typography/opentype/spec/svg
            tree = ElementTree.fromstring(svg_data)
            if tree.get('id') != f'glyph{glyph_id}':
                defs = ElementTree.Element('defs')
                for child in list(tree):
                    defs.append(child)
                    tree.remove(child)
                tree.append(defs)
                ElementTree.SubElement(
                    tree, 'use', attrib={'href': f'#glyph{glyph_id}'})
            if 'viewBox' not in tree.attrib:
                tree.attrib['viewBox'] = f'0 0 {font.upem} {font.upem}'
            image = SVGImage(tree, None, None, None)
            a = d = 1
            emojis.append([image, font, a, d, x_advance, 0])
    elif font.png:
        png_data = w.get_hb_object_data(font.hb_font, 'png', glyph_id)
        if png_data:
            pillow_image = w.Image.open(w.BytesIO(png_data))
            image_id = f'{font.hash}{glyph_id}'
            image = RasterImage(pillow_image, image_id, png_data)
            d = logical_width / 1000
            a = pillow_image.width / pillow_image.height * d
            pango.pango_font_get_glyph_extents(
                pango_font, glyph_id, stream.ink_rect,
                stream.logical_rect)
            f = -stream.logical_rect.y
            f = f * FROM_UNITS / font_size - font_size
            emojis.append([image, font, a, d, x_advance, f])
    elif font.colr:
        svg_data = w.get_hb_object_data(font.hb_font, 'colr', glyph_id)
        if svg_data:
            tree = ElementTree.fromstring(svg_data)
            image = SVGImage(tree, None, None, None)
            a = d = 1
            e = x_advance - kerning
            emojis.append([image, font, a, d, e, -textbox.baseline])

