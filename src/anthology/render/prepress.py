"""Print geometry in the PDF: the page boxes a printer reads, marks and page labels.

WeasyPrint lays out pages at trim size plus bleed; this module then fixes the boxes
(TrimBox = the page, BleedBox = trim + bleed exactly), draws printer's marks *outside* the
bleed on an enlarged MediaBox (WeasyPrint's own ``marks`` are drawn inside the bleed, on
the artwork), and writes page labels that match the printed folios.
"""

from __future__ import annotations

import io

import pikepdf

from ..paper import MARK_LENGTH, MARK_OFFSET, MARK_ZONE, Geometry, points

# -- post-processing ------------------------------------------------------------------------

def _box(page: pikepdf.Page, name: str) -> list[float]:
    return [float(v) for v in page.obj.get(name, page.obj.MediaBox)]


def _marks_stream(trim: list[float], bleed: float, kinds: frozenset[str]) -> bytes:
    """Crop marks at the trim corners and registration targets mid-side, all outside the bleed."""
    x0, y0, x1, y1 = trim
    start = bleed + MARK_OFFSET
    end = start + MARK_LENGTH
    ops = ["q", "0.25 w", "1 1 1 1 K"]
    if "crop" in kinds:
        for x, sx in ((x0, -1), (x1, 1)):
            for y, sy in ((y0, -1), (y1, 1)):
                ops.append(f"{x + sx * start:.3f} {y:.3f} m {x + sx * end:.3f} {y:.3f} l S")
                ops.append(f"{x:.3f} {y + sy * start:.3f} m {x:.3f} {y + sy * end:.3f} l S")
    if "cross" in kinds:
        r, mid = 4.0, start + MARK_LENGTH / 2
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        for px, py in ((cx, y1 + mid), (cx, y0 - mid), (x0 - mid, cy), (x1 + mid, cy)):
            k = 0.5523 * r
            ops.append(
                f"{px + r:.3f} {py:.3f} m "
                f"{px + r:.3f} {py + k:.3f} {px + k:.3f} {py + r:.3f} {px:.3f} {py + r:.3f} c "
                f"{px - k:.3f} {py + r:.3f} {px - r:.3f} {py + k:.3f} {px - r:.3f} {py:.3f} c "
                f"{px - r:.3f} {py - k:.3f} {px - k:.3f} {py - r:.3f} {px:.3f} {py - r:.3f} c "
                f"{px + k:.3f} {py - r:.3f} {px + r:.3f} {py - k:.3f} {px + r:.3f} {py:.3f} c S"
            )
            ops.append(f"{px - 2 * r:.3f} {py:.3f} m {px + 2 * r:.3f} {py:.3f} l S")
            ops.append(f"{px:.3f} {py - 2 * r:.3f} m {px:.3f} {py + 2 * r:.3f} l S")
    ops.append("Q")
    return "\n".join(ops).encode()


def finish(data: bytes, geo: Geometry, front_pages: int) -> bytes:
    """Exact boxes, marks outside the bleed, page labels (roman front matter, then 1, 2, 3…)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        finish_pdf(pdf, geo, front_pages)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return out.getvalue()


def finish_pdf(pdf: pikepdf.Pdf, geo: Geometry, front_pages: int) -> None:
    """:func:`finish` on an open PDF (the merge calls it before its one save)."""
    bleed = points(geo.bleed)
    for page in pdf.pages:
        trim = _box(page, "/TrimBox")
        bleed_box = [trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed]
        page.obj.TrimBox = pikepdf.Array(trim)
        page.obj.BleedBox = pikepdf.Array(bleed_box)
        if geo.marks:
            media = [bleed_box[0] - MARK_ZONE, bleed_box[1] - MARK_ZONE,
                     bleed_box[2] + MARK_ZONE, bleed_box[3] + MARK_ZONE]
            page.obj.MediaBox = pikepdf.Array(media)
            page.contents_add(pikepdf.Stream(pdf, _marks_stream(trim, bleed, geo.marks)), prepend=False)
        else:
            page.obj.MediaBox = pikepdf.Array(bleed_box)
        if "/CropBox" in page.obj:
            del page.obj["/CropBox"]
    nums: list[object] = []
    if front_pages:
        nums += [0, pikepdf.Dictionary(S=pikepdf.Name.r)]
    nums += [front_pages, pikepdf.Dictionary(S=pikepdf.Name.D, St=1)]
    pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))
