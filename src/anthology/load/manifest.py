"""anthology.yaml → a validated manifest: book metadata and the chapter list, in order.

Every problem is collected with its ``anthology.yaml:line:col`` before anything renders.
"""

from __future__ import annotations

import dataclasses
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import paper
from ..errors import Diagnostics
from ..limits import DEFAULT, Limits, how_to_raise
from .text import decode
from .yamlnodes import compose, is_null, kind, where

MANIFEST_NAME = "anthology.yaml"
REVIEW_SUFFIXES = (".md", ".txt")
BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

# Top-level keys: name → kind of value ("str", "names" = str or list of str, "path", ...).
BOOK_KEYS: dict[str, str] = {
    "title": "str",
    "subtitle": "str",
    "editor": "names",
    "editors": "names",
    "author": "names",
    "authors": "names",
    "language": "lang",
    "identifier": "str",
    "publisher": "str",
    "date": "date",
    "rights": "str",
    "edition": "str",
    "description": "str",
    "cover": "path",
    "people": "path",
    "chapters": "chapters",
    "indexes": "indexes",
    "warnings": "warnings",
    "pdf": "pdf",
    "epub": "epub",
    "limits": "limits",
}
INDEXES = ("people", "films", "countries")

# Print options: accepted and checked here; page sizes are resolved by render/pdf.py.
PDF_KEYS: dict[str, str] = {
    "page": "str",
    "bleed": "length",
    "marks": "marks",
    "margins": "str",
    "gutter": "str",  # a length, or "kdp" for KDP's table by page count
    "preset": "str",
    "standard": "standard",
    "output_profile": "path",  # the printer's CMYK ICC profile, required by PDF/X
}
STANDARDS = ("pdf/a-3b", "pdf/a-2b", "pdf/ua-1", "pdf/x-4", "pdf/x-3")
EPUB_KEYS: dict[str, str] = {
    "accessibility_summary": "str",
    "toc_title": "str",
}
CHAPTER_KEYS = {"file", "title", "language"}
PART_KEYS = {"part", "chapters"}
LENGTH = re.compile(r"^\d+(\.\d+)?\s*(mm|cm|in|pt|px)$")
MARKS = {"none", "crop", "cross", "crop cross", "cross crop"}


@dataclass(frozen=True, slots=True)
class ChapterRef:
    source: str  # as written in the manifest
    path: Path  # resolved, inside the project
    line: int
    col: int
    title: str = ""
    language: str = ""


@dataclass(frozen=True, slots=True)
class PartRef:
    title: str
    line: int
    chapters: tuple[ChapterRef, ...]


@dataclass(slots=True)
class Manifest:
    root: Path
    meta: dict[str, object] = field(default_factory=dict)
    entries: list[ChapterRef | PartRef] = field(default_factory=list)
    pdf: dict[str, str] = field(default_factory=dict)
    epub: dict[str, str] = field(default_factory=dict)
    indexes: tuple[str, ...] = ("people",)
    ignore_warnings: tuple[str, ...] = ()
    limits: Limits = DEFAULT

    @property
    def chapters(self) -> list[ChapterRef]:
        out: list[ChapterRef] = []
        for e in self.entries:
            out.extend(e.chapters if isinstance(e, PartRef) else (e,))
        return out


def default_identifier(title: str) -> str:
    """A stable identifier derived from the title, for books without an ISBN."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "anthology:" + title))


def resolve_inside(root: Path, source: str) -> tuple[Path | None, str]:
    """Resolve a project-relative path; return (path, "") or (None, reason)."""
    if not source.strip():
        return None, "empty path"
    if source.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", source) or "://" in source:
        return None, f"'{source}' is absolute: paths are relative to {MANIFEST_NAME}"
    if "\x00" in source:
        return None, f"{source!r} contains a NUL character: remove it"
    real_root = root.resolve()
    try:
        target = (root / source).resolve()
    except (OSError, ValueError) as exc:
        return None, f"{source!r} is not a usable path ({exc})"
    if target != real_root and real_root not in target.parents:
        return None, f"'{source}' points outside the project"
    return target, ""


def _case_mismatch(root: Path, source: str) -> str:
    """The on-disk spelling when ``source`` differs from it only by case, else ''."""
    current = root
    for part in Path(source).parts:
        if part in (".", ".."):
            current = current / part
            continue
        try:
            names = os.listdir(current)
        except OSError:
            return ""
        if part in names:
            current = current / part
            continue
        matches = [n for n in names if n.lower() == part.lower()]
        if not matches:
            return ""
        current = current / matches[0]
        return str(current.relative_to(root))
    return ""


class _Reader:
    def __init__(self, root: Path, file: str, diags: Diagnostics) -> None:
        self.root = root
        self.file = file
        self.diags = diags
        self.seen_files: dict[Path, int] = {}

    def error(self, node: yaml.Node, code: str, message: str) -> None:
        line, col = where(node)
        self.diags.error(self.file, line, col, code, message)

    def string(self, node: yaml.Node, key: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or is_null(node):
            self.error(node, "manifest-type", f"'{key}' must be a string, not {kind(node)}")
            return None
        return node.value.strip()

    def names(self, node: yaml.Node, key: str) -> tuple[str, ...]:
        if isinstance(node, yaml.SequenceNode):
            out = [self.string(item, key) for item in node.value]
            return tuple(n for n in out if n)
        value = self.string(node, key)
        return (value,) if value else ()

    def path(self, node: yaml.Node, key: str, *, must_be_review: bool = False) -> Path | None:
        source = self.string(node, key)
        if source is None:
            return None
        target, reason = resolve_inside(self.root, source)
        if target is None:
            self.error(node, "path-outside", reason)
            return None
        if not target.exists():
            other = _case_mismatch(self.root, source)
            hint = f" (on disk it is spelled '{other}')" if other else ""
            self.error(node, "missing-file", f"'{source}' does not exist{hint}")
            return None
        if target.is_dir():
            self.error(node, "not-a-file", f"'{source}' is a folder, not a file")
            return None
        if not target.is_file():
            self.error(node, "not-a-file", f"'{source}' is not a regular file (a pipe or a device?)")
            return None
        if must_be_review and target.suffix.lower() not in REVIEW_SUFFIXES:
            self.error(
                node, "review-suffix",
                f"'{source}' is not a review: review files end in .md (Markdown) or .txt",
            )
            return None
        return target

    # -- chapters -----------------------------------------------------------------------

    def chapters(self, node: yaml.Node, *, in_part: bool) -> list[ChapterRef | PartRef]:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, "manifest-type", f"'chapters' must be a list, not {kind(node)}")
            return []
        if not node.value:
            self.error(node, "no-chapters", "'chapters' is empty: list at least one review file")
            return []
        out: list[ChapterRef | PartRef] = []
        for item in node.value:
            entry = self.entry(item, in_part=in_part)
            if entry is not None:
                out.append(entry)
        return out

    def entry(self, node: yaml.Node, *, in_part: bool) -> ChapterRef | PartRef | None:
        if isinstance(node, yaml.ScalarNode) and not is_null(node):
            return self.chapter(node, node, {})
        if not isinstance(node, yaml.MappingNode):
            self.error(
                node, "manifest-type",
                f"a chapter must be a file path or a mapping with 'file:', not {kind(node)}",
            )
            return None
        fields = {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        if "part" in fields:
            if in_part:
                self.error(node, "nested-part", "parts cannot contain parts")
                return None
            return self.part(node, fields)
        if "file" not in fields:
            self.error(node, "manifest-missing-key", "a chapter mapping needs 'file: reviews/…'")
            for key, _ in fields.values():
                if key.value not in CHAPTER_KEYS:
                    self.unknown(key, CHAPTER_KEYS | PART_KEYS)
            return None
        return self.chapter(fields["file"][1], node, fields)

    def unknown(self, key: yaml.Node, allowed: set[str] | dict[str, str]) -> None:
        self.error(
            key, "manifest-unknown-key",
            f"unknown key '{key.value}' (expected one of: {', '.join(sorted(allowed))})",
        )

    def chapter(
        self, file_node: yaml.Node, node: yaml.Node, fields: dict[str, tuple[yaml.Node, yaml.Node]]
    ) -> ChapterRef | None:
        for key, _ in fields.values():
            if key.value not in CHAPTER_KEYS:
                self.unknown(key, CHAPTER_KEYS)
        title = language = ""
        if "title" in fields:
            title = self.string(fields["title"][1], "title") or ""
        if "language" in fields:
            language = self.language(fields["language"][1])
        path = self.path(file_node, "file", must_be_review=True)
        if path is None:
            return None
        line, col = where(file_node)
        if path in self.seen_files:
            self.error(
                file_node, "duplicate-chapter",
                f"'{file_node.value}' is already a chapter (line {self.seen_files[path]})",
            )
            return None
        self.seen_files[path] = line
        return ChapterRef(file_node.value.strip(), path, line, col, title, language)

    def part(self, node: yaml.Node, fields: dict[str, tuple[yaml.Node, yaml.Node]]) -> PartRef | None:
        for key, _ in fields.values():
            if key.value not in PART_KEYS:
                self.unknown(key, PART_KEYS)
        title = self.string(fields["part"][1], "part") or ""
        if not title and isinstance(fields["part"][1], yaml.ScalarNode):
            self.error(fields["part"][1], "part-title", "a part needs a title: 'part: Its Title'")
        if "chapters" not in fields:
            self.error(node, "no-chapters", f"part '{title}' needs a 'chapters:' list")
            return None
        chapters = self.chapters(fields["chapters"][1], in_part=True)
        line, _ = where(node)
        refs = tuple(c for c in chapters if isinstance(c, ChapterRef))
        return PartRef(title, line, refs)

    def language(self, node: yaml.Node) -> str:
        value = self.string(node, "language") or ""
        if value and not BCP47.match(value):
            self.error(node, "bad-language", f"'{value}' is not a BCP 47 language tag (e.g. en, fr, pt-BR)")
            return ""
        return value

    def warning_codes(self, node: yaml.Node) -> tuple[str, ...]:
        """'warnings: {ignore: [image-remote, …]}' — warning codes to silence."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, "manifest-type",
                       f"'warnings' must be a mapping such as {{ignore: [code]}}, not {kind(node)}")
            return ()
        codes: list[str] = []
        for k, v in node.value:
            if k.value != "ignore":
                self.unknown(k, {"ignore"})
            elif not isinstance(v, yaml.SequenceNode):
                self.error(v, "manifest-type", f"'warnings.ignore' must be a list of codes, not {kind(v)}")
            else:
                codes += [c for c in (self.string(item, "warnings.ignore") for item in v.value) if c]
        return tuple(codes)

    def indexes(self, node: yaml.Node) -> tuple[str, ...]:
        """'indexes: [people, films, countries]' — which indexes the book carries, in order."""
        if not isinstance(node, yaml.SequenceNode):
            if not is_null(node):
                self.error(node, "manifest-type", f"'indexes' must be a list such as [people, films], not {kind(node)}")
            return ()
        out: list[str] = []
        for item in node.value:
            name = self.string(item, "indexes")
            if name and name not in INDEXES:
                self.error(item, "bad-index", f"unknown index '{name}' (expected: {', '.join(INDEXES)})")
            elif name and name not in out:
                out.append(name)
        return tuple(out)

    def limits(self, node: yaml.Node) -> Limits:
        """'limits: {list_items: 20000, …}' — raise or lower the named limits (see limits.py)."""
        if not isinstance(node, yaml.MappingNode):
            if not is_null(node):
                self.error(node, "manifest-type",
                           f"'limits' must be a mapping such as {{list_items: 20000}}, not {kind(node)}")
            return DEFAULT
        allowed = Limits.overridable()
        values: dict[str, int] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode) or k.value not in allowed:
                if isinstance(k, yaml.ScalarNode) and k.value in Limits.names():
                    self.error(k, "manifest-unknown-key", f"'limits.{k.value}' is a fixed limit: it cannot be set")
                else:
                    self.unknown(k, set(allowed))
                continue
            info = Limits.info(k.value)
            if not isinstance(v, yaml.ScalarNode) or is_null(v):
                self.error(v, "bad-limit", f"'limits.{k.value}' must be a whole number of {info['unit']}, "
                                           f"not {kind(v)} (the default is {info['default']:,})")
                continue
            text = v.value.strip()
            digits = text.replace("_", "").replace(",", "")
            if not digits.isascii() or not digits.isdigit():
                self.error(v, "bad-limit", f"'limits.{k.value}' must be a whole number of {info['unit']}, "
                                           f"not '{text}' (the default is {info['default']:,})")
                continue
            number = int(digits)
            if not 1 <= number <= info["ceiling"]:
                self.error(v, "bad-limit", f"'limits.{k.value}' must be between 1 and {info['ceiling']:,} "
                                           f"{info['unit']} (the default is {info['default']:,})")
                continue
            values[k.value] = number
        return dataclasses.replace(DEFAULT, **values)

    def options(self, node: yaml.Node, key: str, allowed: dict[str, str]) -> dict[str, str]:
        if not isinstance(node, yaml.MappingNode):
            if not is_null(node):
                self.error(node, "manifest-type", f"'{key}' must be a mapping, not {kind(node)}")
            return {}
        out: dict[str, str] = {}
        for k, v in node.value:
            if k.value not in allowed:
                self.unknown(k, allowed)
                continue
            value = self.string(v, f"{key}.{k.value}")
            if value is None:
                continue
            expected = allowed[k.value]
            if expected == "length" and not LENGTH.match(value):
                self.error(v, "bad-length", f"'{key}.{k.value}' must be a length such as 3mm or 0.125in")
                continue
            if expected == "marks" and value.lower() not in MARKS:
                self.error(v, "bad-marks", f"'{key}.{k.value}' must be one of: crop, cross, crop cross, none")
                continue
            if expected == "standard" and value.lower() not in STANDARDS:
                self.error(v, "bad-standard", f"'{key}.{k.value}' must be one of: {', '.join(STANDARDS)}")
                continue
            if expected == "path":
                target = self.path(v, f"{key}.{k.value}")
                if target is None:
                    continue
                value = target.relative_to(self.root.resolve()).as_posix()
            out[k.value] = value
        return out


def _image_problem(path: Path, limits: Limits) -> str:
    from .body import image_problem  # body imports this module

    return image_problem(path, limits)


def _check_chapter_count(manifest: Manifest, file: str, diags: Diagnostics) -> None:
    chapters = manifest.chapters
    limit = manifest.limits.chapters
    if len(chapters) > limit:
        first = chapters[limit]
        diags.error(file, first.line, first.col, "too-many-chapters",
                    f"{len(chapters):,} chapters are more than the limit of {limit:,} (chapters): split the book, "
                    f"or {how_to_raise('chapters')}")


def load_manifest(root: Path, diags: Diagnostics) -> Manifest | None:
    """Read and validate ``root/anthology.yaml``; return None when it cannot be read at all."""
    file = MANIFEST_NAME
    path = root / MANIFEST_NAME
    if path.is_dir():
        diags.error(file, 0, 0, "not-a-file",
                    f"{MANIFEST_NAME} is a folder, not a file: the manifest is a YAML file (rename the folder)")
        return None
    if path.exists() and not path.is_file():
        diags.error(file, 0, 0, "not-a-file", f"{MANIFEST_NAME} is not a regular file (a pipe or a device?)")
        return None
    if not path.is_file():
        diags.error(file, 0, 0, "no-manifest", f"no {MANIFEST_NAME} in {root}: run 'anthology init' to create one")
        return None
    text = decode(path.read_bytes(), file, diags)
    if text is None:
        return None
    node = compose(text, file, diags)
    if node is None:
        if not diags.errors:
            diags.error(file, 1, 1, "manifest-empty",
                        f"{MANIFEST_NAME} is empty: it needs at least 'title:' and 'chapters:'")
        return None
    if not isinstance(node, yaml.MappingNode):
        line, col = where(node)
        diags.error(file, line, col, "manifest-type",
                    f"{MANIFEST_NAME} must be a mapping of keys (title:, chapters:, …), not {kind(node)}")
        return None

    reader = _Reader(root, file, diags)
    manifest = Manifest(root=root)
    fields = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.value not in BOOK_KEYS:
            reader.unknown(key, BOOK_KEYS)
            continue
        fields[key.value] = (key, value)
    if "limits" in fields:
        manifest.limits = reader.limits(fields["limits"][1])

    for name, (_key, value) in fields.items():
        expected = BOOK_KEYS[name]
        if expected == "str":
            manifest.meta[name] = reader.string(value, name) or ""
        elif expected == "names":
            manifest.meta[name] = reader.names(value, name)
        elif expected == "lang":
            manifest.meta[name] = reader.language(value)
        elif expected == "date":
            date = reader.string(value, name) or ""
            if date and not DATE.match(date):
                reader.error(value, "bad-date", f"'date' must be YYYY, YYYY-MM or YYYY-MM-DD, not '{date}'")
            manifest.meta[name] = date
        elif expected == "path":
            target = reader.path(value, name)
            if target is not None and name == "cover" and target.suffix.lower() not in (".png", ".jpg", ".jpeg"):
                reader.error(value, "cover-type", "the cover must be a PNG or JPEG image (stores ask for JPEG)")
                target = None
            elif target is not None and name == "cover" and (problem := _image_problem(target, manifest.limits)):
                reader.error(value, "cover-unreadable", f"the cover image {problem}")
                target = None
            manifest.meta[name] = target.relative_to(root.resolve()).as_posix() if target else ""
        elif expected == "chapters":
            manifest.entries = reader.chapters(value, in_part=False)
            _check_chapter_count(manifest, file, diags)
        elif expected == "warnings":
            manifest.ignore_warnings = reader.warning_codes(value)
        elif expected == "indexes":
            manifest.indexes = reader.indexes(value)
        elif expected == "pdf":
            manifest.pdf = reader.options(value, "pdf", PDF_KEYS)
            _geometry, problem = paper.geometry(manifest.pdf)
            if problem:
                reader.error(value, "bad-pdf-options", problem)
            elif manifest.pdf.get("standard", "").lower().startswith("pdf/x") and "output_profile" not in manifest.pdf:
                reader.error(value, "pdf-x-profile",
                             "PDF/X needs the printer's CMYK output profile: set pdf.output_profile to the "
                             ".icc file your printer gives (e.g. assets/printer.icc)")
        elif expected == "epub":
            manifest.epub = reader.options(value, "epub", EPUB_KEYS)

    if "title" not in fields:
        diags.error(file, 1, 1, "manifest-missing-key", "missing 'title:' (the book's title)")
    elif not manifest.meta.get("title") and isinstance(fields["title"][1], yaml.ScalarNode):
        line, col = where(fields["title"][1])
        diags.error(file, line, col, "manifest-empty-title", "'title' is empty: give the book a title")
    if "chapters" not in fields:
        diags.error(file, 1, 1, "manifest-missing-key", "missing 'chapters:' (the list of review files, in book order)")
    manifest.meta.setdefault("language", "en")
    if not manifest.meta["language"]:
        manifest.meta["language"] = "en"
    return manifest
