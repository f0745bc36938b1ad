"""Paper: trim sizes, print-on-demand presets and margins, resolved from the pdf: options.

Declared once, used by the manifest loader (to validate with a location) and by the PDF
renderer (to lay out and to set the page boxes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MM = 72 / 25.4
UNITS = {"mm": MM, "cm": 10 * MM, "in": 72.0, "pt": 1.0, "px": 0.75}

# Trim sizes (width, height). ISO 216 for A4/A5/B5; the inch sizes are the US trade formats
# that KDP and IngramSpark both offer.
PAGE_SIZES: dict[str, tuple[str, str]] = {
    "a4": ("210mm", "297mm"),
    "a5": ("148mm", "210mm"),
    "b5": ("176mm", "250mm"),
    "letter": ("8.5in", "11in"),
    "5x8in": ("5in", "8in"),
    "5.25x8in": ("5.25in", "8in"),
    "5.5x8.5in": ("5.5in", "8.5in"),
    "6x9in": ("6in", "9in"),
}


@dataclass(frozen=True, slots=True)
class Preset:
    page: str
    bleed: str
    marks: str
    gutter: str  # "kdp" = KDP's table by page count
    source: str


# Print-on-demand presets. Figures and their sources:
# - KDP: "Set Trim Size, Bleed, and Margins" (kdp.amazon.com, help topic GVBQ3CMEQW3W2VL6):
#   bleed 0.125 in; no printer's marks in the uploaded PDF; inside margin by page count
#   (24–150 pages 0.375 in, 151–300 0.5 in, 301–500 0.625 in, 501–700 0.75 in, 701–828 0.875 in);
#   outside margins at least 0.375 in with bleed.
# - IngramSpark: "File Creation Guide" (interior files): bleed 0.125 in (3 mm); no printer's
#   marks on interior files; trim sizes 5x8, 5.5x8.5 and 6x9 in among its standard sizes.
PRESETS: dict[str, Preset] = {
    **{f"kdp-{size}": Preset(f"{size}in", "0.125in", "none", "kdp", "KDP")
       for size in ("5x8", "5.25x8", "5.5x8.5", "6x9")},
    **{f"ingramspark-{size}": Preset(f"{size}in", "0.125in", "none", "0.5in", "IngramSpark")
       for size in ("5x8", "5.5x8.5", "6x9")},
}
KDP_GUTTER = ((150, "0.375in"), (300, "0.5in"), (500, "0.625in"), (700, "0.75in"), (10**9, "0.875in"))

DEFAULT_MARGINS = ("18mm", "15mm", "20mm", "15mm")  # top, outside, bottom, inside (before the gutter)
DEFAULT_GUTTER = "3mm"
MARK_ZONE = 24.0  # points of slug beyond the bleed, where marks are drawn
MARK_OFFSET = 3.0  # marks start this far outside the bleed
MARK_LENGTH = 15.0

_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt|px)\s*$")
_CUSTOM_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)?\s*[x×]\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)\s*$")


def points(length: str) -> float:
    m = _LENGTH.match(length)
    if not m:
        raise ValueError(f"not a length: {length!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def page_size(value: str) -> tuple[str, str] | None:
    """CSS width and height for a preset name or 'W x H' with units; None if invalid."""
    key = value.strip().lower().replace(" ", "")
    if key in PAGE_SIZES:
        return PAGE_SIZES[key]
    m = _CUSTOM_SIZE.match(value)
    if m:
        return f"{m.group(1)}{m.group(2) or m.group(4)}", f"{m.group(3)}{m.group(4)}"
    return None


def kdp_gutter(pages: int) -> str:
    return next(g for limit, g in KDP_GUTTER if pages <= limit)


@dataclass(frozen=True, slots=True)
class Geometry:
    """Everything the PDF needs to know about paper, resolved from the manifest's pdf: block."""

    width: str
    height: str
    bleed: str = "0mm"
    marks: frozenset[str] = frozenset()
    margins: tuple[str, str, str, str] = DEFAULT_MARGINS
    gutter: str = DEFAULT_GUTTER
    kdp_gutter: bool = False

    def with_pages(self, pages: int) -> Geometry:
        """The gutter KDP asks for at this page count (other geometries are unchanged)."""
        if not self.kdp_gutter:
            return self
        return Geometry(self.width, self.height, self.bleed, self.marks, self.margins, kdp_gutter(pages), True)

    def css(self) -> str:
        top, outside, bottom, inside = self.margins
        inner = f"{points(inside) + points(self.gutter):.2f}pt"
        return (
            f"@page {{ size: {self.width} {self.height}; bleed: {self.bleed}; }}\n"
            f"@page :right {{ margin: {top} {outside} {bottom} {inner}; }}\n"
            f"@page :left {{ margin: {top} {inner} {bottom} {outside}; }}\n"
        )


def geometry(options: dict[str, str]) -> tuple[Geometry | None, str]:
    """Resolve the pdf: options (already validated for form) into a Geometry, or explain."""
    preset = PRESETS.get(options.get("preset", "").lower()) if options.get("preset") else None
    if options.get("preset") and preset is None:
        return None, f"unknown pdf.preset '{options['preset']}' (known: {', '.join(PRESETS)})"
    page = options.get("page") or (preset.page if preset else "a5")
    size = page_size(page)
    if size is None:
        return None, (f"pdf.page '{page}' is not a known size ({', '.join(PAGE_SIZES)}) "
                      "nor 'W x H' with units such as 140mm x 216mm")
    bleed = options.get("bleed") or (preset.bleed if preset else "0mm")
    marks_text = (options.get("marks") or (preset.marks if preset else "none")).lower()
    marks = frozenset(m for m in marks_text.split() if m != "none")
    margins = DEFAULT_MARGINS
    if options.get("margins"):
        parts = options["margins"].split()
        if len(parts) not in (1, 2, 4) or not all(_LENGTH.match(p) for p in parts):
            return None, ("pdf.margins takes 1, 2 or 4 lengths: 'top outside bottom inside', "
                          "e.g. 18mm 15mm 20mm 15mm")
        margins = (tuple(parts * 4)[:4] if len(parts) == 1 else
                   (parts[0], parts[1], parts[0], parts[1]) if len(parts) == 2 else tuple(parts))  # type: ignore[assignment]
    gutter = options.get("gutter") or (preset.gutter if preset else DEFAULT_GUTTER)
    use_kdp = gutter == "kdp"
    if not use_kdp and not _LENGTH.match(gutter):
        return None, f"pdf.gutter must be a length such as 5mm, or kdp (KDP's table by page count), not '{gutter}'"
    if use_kdp:
        gutter = kdp_gutter(0)
        if not options.get("margins"):
            margins = ("0.6in", "0.5in", "0.6in", "0in")  # outside ≥ 0.375 in with bleed
    return Geometry(size[0], size[1], bleed, marks, margins, gutter, use_kdp), ""


