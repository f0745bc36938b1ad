"""JSON Schemas for anthology.yaml and people.yaml, generated from the declarations the
loaders validate with (manifest.BOOK_KEYS, PDF_KEYS…, people.PERSON_KEYS), so the
editor's completion, the docs and the loader never disagree.
"""

from __future__ import annotations

import json
from typing import Any

from .. import paper
from ..limits import Limits
from . import manifest as m
from .people import ORDERS, PERSON_KEYS

SCHEMA = "https://json-schema.org/draft/2020-12/schema"

# One line of help per key: the schema's descriptions and the manifest reference in docs/.
HELP: dict[str, str] = {
    "title": "The book's title (required).",
    "subtitle": "A subtitle, on the title page and in the metadata.",
    "editor": "The editor (or a list of editors), credited on the title page.",
    "editors": "The editors, as a list.",
    "author": "The author (or a list of authors), for a single-author book.",
    "authors": "The authors, as a list.",
    "language": "The book's language, a BCP 47 tag such as en, fr, pt-BR (default: en).",
    "identifier": "An ISBN URN or other identifier; default: a stable urn:uuid derived from the title.",
    "publisher": "The publisher, on the title page verso and in the metadata.",
    "date": "Publication date: YYYY, YYYY-MM or YYYY-MM-DD. Also the date stamped in the files.",
    "rights": "The copyright line.",
    "edition": "The edition statement, on the title page verso.",
    "description": "One paragraph for the EPUB's metadata.",
    "cover": "A PNG or JPEG cover image for the EPUB; without one a typographic cover is drawn.",
    "people": "The people file (default: people.yaml when present).",
    "chapters": "The chapters in book order: a path, a mapping with file: and overrides, or a part.",
    "indexes": "Which indexes the book carries, in order: people (default), films, countries.",
    "warnings": "Warnings to silence: {ignore: [code, ...]}.",
    "pdf": "Print options: page size, bleed, marks, margins, presets, standards.",
    "epub": "EPUB options.",
    "limits": "Raise or lower the limits that bound sizes, depth and time: {list_items: 20000, ...} "
              "(see the user guide's Limits section).",
    "pdf.page": f"Trim size: {', '.join(paper.PAGE_SIZES)}, or 'W x H' with units (140mm x 216mm).",
    "pdf.bleed": "Bleed beyond the trim on every side, e.g. 3mm or 0.125in.",
    "pdf.marks": "Printer's marks drawn outside the bleed: crop, cross, crop cross, or none.",
    "pdf.margins": "1, 2 or 4 lengths: top outside bottom inside.",
    "pdf.gutter": "Extra inside margin, a length, or kdp for KDP's table by page count.",
    "pdf.preset": f"A print-on-demand preset: {', '.join(paper.PRESETS)}.",
    "pdf.standard": f"A PDF standard: {', '.join(m.STANDARDS)}.",
    "pdf.output_profile": "The printer's CMYK ICC profile (required by PDF/X).",
    "epub.accessibility_summary": "Replaces the generated accessibilitySummary.",
    "epub.toc_title": "The title of the table of contents (default: Contents).",
    "file": "The review file, relative to anthology.yaml (.md or .txt).",
    "chapter.title": "Overrides the title found in the file.",
    "chapter.language": "The chapter's language, if not the book's (BCP 47).",
    "part": "The part's title.",
    "name": "The person's name, as the index shows it.",
    "aliases": "Other spellings that mean this person.",
    "sort_as": "The index heading, e.g. 'Beethoven, Ludwig van'.",
    "order": "family-first (Lee Je-hoon) or given-first (Daniel Park).",
    "see": "Makes this entry a cross-reference to another name.",
}

_STRING = {"type": "string"}
_LANG = {"type": "string", "pattern": m.BCP47.pattern}
_NAMES = {"oneOf": [_STRING, {"type": "array", "items": _STRING}]}
_KINDS: dict[str, dict[str, Any]] = {
    "str": _STRING, "path": _STRING, "names": _NAMES, "lang": _LANG,
    "date": {"type": "string", "pattern": m.DATE.pattern},
    "length": {"type": "string", "pattern": m.LENGTH.pattern},
    "marks": {"enum": sorted(m.MARKS)},
    "standard": {"enum": list(m.STANDARDS)},
}


def _described(schema: dict[str, Any], key: str) -> dict[str, Any]:
    return {**schema, "description": HELP[key]} if key in HELP else dict(schema)


def _options(prefix: str, keys: dict[str, str]) -> dict[str, Any]:
    props = {k: _described(_KINDS[kind], f"{prefix}.{k}") for k, kind in keys.items()}
    if prefix == "pdf":
        props["preset"] = _described({"enum": list(paper.PRESETS)}, "pdf.preset")
    return {"type": "object", "additionalProperties": False, "properties": props}


def _limits() -> dict[str, Any]:
    props = {}
    for name in Limits.overridable():
        info = Limits.info(name)
        props[name] = {"type": "integer", "minimum": 1, "maximum": info["ceiling"], "default": info["default"],
                       "description": f"{info['doc']} Default {info['default']:,} {info['unit']}."}
    return {"type": "object", "additionalProperties": False, "properties": props}


def manifest_schema() -> dict[str, Any]:
    chapter = {
        "type": "object", "additionalProperties": False, "required": ["file"],
        "properties": {"file": _described(_STRING, "file"), "title": _described(_STRING, "chapter.title"),
                       "language": _described(_LANG, "chapter.language")},
    }
    entry = {"oneOf": [_described(_STRING, "file"), chapter]}
    part = {
        "type": "object", "additionalProperties": False, "required": ["part", "chapters"],
        "properties": {"part": _described(_STRING, "part"),
                       "chapters": {"type": "array", "minItems": 1, "items": entry}},
    }
    special: dict[str, dict[str, Any]] = {
        "chapters": {"type": "array", "minItems": 1, "items": {"oneOf": [entry, part]}},
        "indexes": {"type": "array", "items": {"enum": list(m.INDEXES)}, "uniqueItems": True},
        "warnings": {"type": "object", "additionalProperties": False,
                     "properties": {"ignore": {"type": "array", "items": _STRING}}},
        "pdf": _options("pdf", m.PDF_KEYS),
        "epub": _options("epub", m.EPUB_KEYS),
        "limits": _limits(),
    }
    props = {k: _described(special.get(kind) or _KINDS[kind], k) for k, kind in m.BOOK_KEYS.items()}
    return {
        "$schema": SCHEMA, "$id": "https://anthology.invalid/schema/anthology.yaml.json",
        "title": "anthology.yaml", "description": "The manifest of an anthology project.",
        "type": "object", "additionalProperties": False, "required": ["title", "chapters"], "properties": props,
    }


def people_schema() -> dict[str, Any]:
    kinds = {"name": _STRING, "aliases": {"type": "array", "items": _STRING}, "sort_as": _STRING,
             "order": {"enum": sorted(ORDERS)}, "see": _STRING}
    assert set(kinds) == PERSON_KEYS
    return {
        "$schema": SCHEMA, "$id": "https://anthology.invalid/schema/people.yaml.json",
        "title": "people.yaml", "description": "Known people: spellings, sort keys, cross-references.",
        "type": "array",
        "items": {"type": "object", "additionalProperties": False, "required": ["name"],
                  "properties": {k: _described(v, k) for k, v in kinds.items()}},
    }


SCHEMAS = {"manifest": manifest_schema, "people": people_schema}


def schema_text(which: str) -> str:
    return json.dumps(SCHEMAS[which](), indent=2, ensure_ascii=False) + "\n"
