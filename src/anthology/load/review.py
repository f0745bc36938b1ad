"""One review file → title, credits, language and body.

Credits come as leading ``Label: value`` header lines, YAML front matter (``---``) or
TOML front matter (``+++``). The header is the run of leading credit lines and ends at
the first line that is not one: a blank line is not required.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Diagnostics
from ..limits import DEFAULT, Limits, how_to_raise
from ..model import Credit, Image
from . import body as bodies
from .credits import ROLE_BY_KEY, credits_in_text, make_credit, ordered, role_for
from .manifest import BCP47
from .text import decode
from .yamlnodes import TooLarge, compose, kind, to_python

# Front-matter keys a blog carries and a book does not need: ignored without a word.
# (Every key that is not a credit role is ignored; these are named so the rule is visible.)
# Free-text fields where one inline "Label: value" is enough to read credits from.
CREDIT_TEXT_KEYS = frozenset({"metadata", "credits", "info", "details", "film info"})
IGNORED_KEYS = frozenset({
    "layout", "tags", "categories", "category", "image", "images", "draft", "slug", "weight",
    "series", "permalink", "excerpt", "summary", "description", "published", "comments", "id",
    "aliases", "imported", "cover", "featuredimage", "thumbnail", "toc", "readtime", "url",
})

_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_LABEL_LINE = re.compile(r"^\s*[*_]{0,2}([^:\n]{1,40}?)[*_]{0,2}\s*:[*_]{0,2}\s*(.*?)\s*$")
_LABEL_WORDS = re.compile(r"[^\W\d_][\w .'’/&()-]*")
_SENTENCE = re.compile(r"[.!?…]\s+\S")
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ][\d:.]+.*$")


@dataclass(slots=True)
class Review:
    """What one review file holds, before the book puts it in place."""

    title: str = ""
    subtitle: str = ""
    lang: str = ""
    credits: tuple[Credit, ...] = ()
    body_html: str = ""
    images: list[Image] = field(default_factory=list)
    text: str = ""


@dataclass(slots=True)
class _HeaderLine:
    label: str
    value: str
    known: bool
    line: int


def read_text(path: Path, file: str, diags: Diagnostics, limits: Limits = DEFAULT) -> str | None:
    """Decode a review: UTF-8 (BOM allowed), UTF-16 with a BOM; newlines normalised."""
    data = read_bytes(path, file, diags, limits)
    return None if data is None else text_of(data, file, diags)


def read_bytes(path: Path, file: str, diags: Diagnostics, limits: Limits = DEFAULT) -> bytes | None:
    """A review's bytes. Only a regular file is read: the file is opened without blocking and
    checked before any byte is read, so a named pipe or a device answers at once instead of
    hanging the build."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        diags.error(file, 0, 0, "unreadable", f"cannot read the file: {exc.strerror}")
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            diags.error(file, 0, 0, "not-a-file",
                        "not a regular file (a folder, a pipe or a device?): a review is a text file")
            return None
        if info.st_size > limits.review_bytes:
            diags.error(file, 0, 0, "file-too-large",
                        f"{info.st_size // 2**20} MB is too large for a review (limit {limits.review_megabytes} MB): "
                        f"split it, or {how_to_raise('review_megabytes')}")
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(limits.review_bytes + 1)
    except OSError as exc:
        diags.error(file, 0, 0, "unreadable", f"cannot read the file: {exc.strerror}")
        return None
    finally:
        os.close(fd)


def text_of(data: bytes, file: str, diags: Diagnostics) -> str | None:
    """The text of a review's bytes (see :func:`read_text`)."""
    text = decode(data, file, diags)
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        col = nul - (text.rfind("\n", 0, nul) + 1) + 1
        count = text.count("\x00")
        diags.warning(file, line, col, "control-chars",
                      f"{count} NUL byte{'s' if count > 1 else ''} removed (the first here): "
                      "is this really a text file?")
    return bodies.strip_controls(text)


# -- front matter --------------------------------------------------------------------------

def split_front_matter(text: str, file: str, diags: Diagnostics,
                       limits: Limits = DEFAULT) -> tuple[dict[str, Any], str, int, bool]:
    """Return (front matter, rest of the text, first line of the rest, ok)."""
    first = text.split("\n", 1)[0].rstrip()
    if first not in ("---", "+++"):
        return {}, text, 1, True
    lines = text.split("\n")
    closers = ("---", "...") if first == "---" else ("+++",)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in closers), None)
    if end is None:
        diags.error(file, 1, 1, "front-matter-unclosed",
                    f"front matter opened with '{first}' on line 1 is never closed: add a '{first}' line after it")
        return {}, "", 1, False
    raw = "\n".join(lines[1:end])
    rest = "\n".join(lines[end + 1:])
    data = _yaml_front(raw, file, diags, limits) if first == "---" else _toml_front(raw, file, diags)
    if data is None:
        return {}, rest, end + 2, False
    return data, rest, end + 2, True


def _yaml_front(raw: str, file: str, diags: Diagnostics, limits: Limits = DEFAULT) -> dict[str, Any] | None:
    before = len(diags.errors)
    node = compose("\n" + raw, file, diags, limits)  # the leading newline keeps line numbers right
    if len(diags.errors) > before:
        return None
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        diags.error(file, node.start_mark.line + 1, 1, "front-matter-type",
                    f"front matter must be 'key: value' lines, not {kind(node)}")
        return None
    try:
        return to_python(node, limits)
    except TooLarge as exc:
        diags.error(file, 2, 1, "front-matter-size", str(exc))
        return None


_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"' -]+?)\s*=\s*(.*?)\s*$")
_TOML_TABLE = re.compile(r"^\s*\[+\s*([^\]]*?)\s*\]+\s*(#.*)?$")


def _toml_front(raw: str, file: str, diags: Diagnostics) -> dict[str, Any] | None:
    """TOML front matter; its errors are located in the file (it starts on line 2) with a fix."""
    try:
        return tomllib.loads(raw + "\n")
    except tomllib.TOMLDecodeError as exc:
        lines = raw.split("\n")
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (len(lines) + 1, 0)
        message = re.sub(r"\s*\(at (line|end).*\)", "", str(exc))
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        found = _TOML_KEY.match(text)
        if message.startswith("Cannot overwrite") and found:
            key = found.group(1).strip()
            first = _toml_first_definition(lines, line - 1, key)
            col = text.index(key[0]) + 1
            message = f"duplicate key '{key}'" + (f" (first defined on line {first + 1})" if first else "")
        elif message == "Invalid value" and found and found.group(2) and found.group(2)[0] not in "\"'[{":
            key, value = found.group(1).strip(), found.group(2)
            quoted = value.replace("\\", "\\\\").replace('"', '\\"')
            message = f"invalid value: TOML strings need quotes, write {key} = \"{quoted}\""
        diags.error(file, line + 1, col, "toml-syntax", f"TOML front matter: {message}")
        return None


def _toml_first_definition(lines: list[str], upto: int, key: str) -> int:
    """The 1-based line (within the front matter) where ``key`` was first set in the same table."""
    first = 0
    for n, text in enumerate(lines[:upto], start=1):
        if _TOML_TABLE.match(text):
            first = 0  # a new table: keys start over
            continue
        found = _TOML_KEY.match(text)
        if found and found.group(1).strip() == key and not first:
            first = n
    return first


def _scalar(value: Any) -> str | list[str] | None:
    if isinstance(value, dict) or value is None or isinstance(value, bool):
        return None
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float) and not isinstance(v, bool)]
    text = str(value).strip()
    m = _ISO_DATETIME.match(text)
    return m.group(1) if m else text


def front_matter_credits(front: dict[str, Any], line_of: dict[str, int]) -> tuple[list[Credit], dict[str, str]]:
    """Credits from front-matter keys, plus the chapter-level fields (title, subtitle, lang)."""
    credits: list[Credit] = []
    fields: dict[str, str] = {}
    scopes = [front]
    if isinstance(front.get("params"), dict):
        scopes.append(front["params"])
    seen_roles: set[str] = set()
    for scope in scopes:
        for key, raw in scope.items():
            norm = str(key).strip().lower()
            value = _scalar(raw)
            if value is None or norm in IGNORED_KEYS:
                continue
            if isinstance(value, str) and role_for(str(key), value) is None:
                lead, found = credits_in_text(value, minimum=1 if norm in CREDIT_TEXT_KEYS else 2)
                fresh = [c for c in found if c.role not in seen_roles]
                if found:
                    if lead and norm == "subtitle" and "film" not in seen_roles:
                        fresh.insert(0, make_credit(ROLE_BY_KEY["film"], "film", lead))
                    seen_roles.update(c.role for c in fresh if c.role)
                    credits.extend(fresh)
                    continue
            if norm == "subtitle" and isinstance(value, str):
                fields.setdefault("subtitle", value)
                continue
            if norm in ("lang", "language", "locale") and isinstance(value, str) and BCP47.match(value):
                fields.setdefault("lang", value.replace("_", "-"))
                continue
            text = value if isinstance(value, str) else ", ".join(value)
            role = role_for(str(key), text)
            if role is None or role.key in seen_roles:
                continue
            seen_roles.add(role.key)
            if role.key == "title":
                fields.setdefault("title", " ".join(text.split()))
                continue
            credit = make_credit(role, str(key), value, line_of.get(str(key), 0))
            if credit is not None:
                credits.append(credit)
    return credits, fields


# -- header lines --------------------------------------------------------------------------

def _classify(line: str, lineno: int) -> _HeaderLine | None:
    """A credit line, or None when the line is prose (or blank)."""
    m = _LABEL_LINE.match(line)
    if not m:
        return None
    label, value = m.group(1).strip(), m.group(2).strip().strip("*_").strip()
    if not _LABEL_WORDS.fullmatch(label) or not value:
        return None
    words = len(value.split())
    role = role_for(label, value)
    if role is not None:
        # A known label followed by a paragraph is prose that happens to start with it.
        if len(value) > 400 or (words > 14 and _SENTENCE.search(value)):
            return None
        return _HeaderLine(label, value, True, lineno)
    looks_like_credit = (
        len(label) <= 25 and len(label.split()) <= 3
        and len(value) <= 60 and words <= 8 and not _SENTENCE.search(value)
        and not value.endswith(("?", "!"))
        and not (words >= 3 and value.endswith(".") and value[0].isupper())  # one sentence
    )
    return _HeaderLine(label, value, False, lineno) if looks_like_credit else None


def parse_header(lines: list[str], start: int, first_line: int) -> tuple[list[_HeaderLine], int]:
    """The run of credit lines from ``lines[start]``; returns (header, index after it).

    Blank lines may separate a lone ``Title:`` line from the credits that follow it.
    Unknown labels count only next to known ones: a run of unknown labels alone is prose.
    """
    header: list[_HeaderLine] = []
    i = start
    while i < len(lines):
        entry = _classify(lines[i], first_line + i)
        if entry is None:
            if not lines[i].strip() and len(header) == 1 and role_for(header[0].label) and \
                    role_for(header[0].label).key == "title":
                j = i
                while j < len(lines) and not lines[j].strip():
                    j += 1
                if j < len(lines) and _classify(lines[j], first_line + j):
                    i = j
                    continue
            break
        header.append(entry)
        i += 1
    if not any(h.known for h in header):
        return [], start
    return header, i


# -- the whole file ------------------------------------------------------------------------

def parse_review(path: Path, root: Path, file: str, diags: Diagnostics,
                 title_override: str = "", lang: str = "", default_lang: str = "en",
                 limits: Limits = DEFAULT, data: bytes | None = None) -> Review | None:
    """Parse one review file. Errors and warnings go to ``diags``; None when unusable.
    ``data``: the file's bytes, when the caller has read them (:func:`read_bytes`)."""
    if data is None:
        data = read_bytes(path, file, diags, limits)
    text = None if data is None else text_of(data, file, diags)
    if text is None:
        return None
    front, rest, first_line, ok = split_front_matter(text, file, diags, limits)
    if not ok:
        return None
    front_lines = _front_matter_lines(text)
    credits, fields = front_matter_credits(front, front_lines)

    lines = rest.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    heading_title = film_line = ""
    film_line_no = 0
    is_markdown = path.suffix.lower() == ".md"
    header, end = parse_header(lines, i, first_line)
    heading = _HEADING.match(lines[i]) if is_markdown and i < len(lines) else None
    if not header and i < len(lines) and (heading or _looks_like_a_title(lines[i])):
        # A '# Heading' (Markdown) or a bare short line, blank lines, then the credits.
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if heading or j > i + 1:
            header, end = parse_header(lines, j, first_line)
            if header or heading:
                found = heading.group(1).strip() if heading else lines[i].strip()
                if heading and not (fields.get("title") or title_override):
                    heading_title = found
                elif header:
                    film_line, film_line_no = found, first_line + i
                if heading and not header:
                    end = j  # the title heading alone: the body starts after it
    if header or heading_title:
        i = end
    header_title = ""
    roles_seen = {c.role for c in credits}
    for h in header:
        role = role_for(h.label, h.value)
        if role is not None and role.key == "title":
            header_title = header_title or h.value
            continue
        if role is not None and role.key in roles_seen:
            continue
        credit = make_credit(role, h.label, h.value, h.line)
        if credit is not None:
            credits.append(credit)
            if role is not None:
                roles_seen.add(role.key)

    title = title_override or header_title or fields.get("title", "") or heading_title
    if film_line and "film" not in roles_seen and bodies.fold_title(film_line) != bodies.fold_title(title):
        credits.append(make_credit(ROLE_BY_KEY["film"], "film", film_line, film_line_no))
    if not title:
        diags.error(
            file, 1, 1, "no-title",
            f"no title: in anthology.yaml write this chapter as '- file: {file}' with "
            "'title: …' on the next line, or start the file with a 'Title: …' line "
            "or a '# Title' heading",
        )
        return None

    body_text = "\n".join(lines[i:])
    src = bodies.Source(root, file, path, first_line + i, text, limits)
    errors_before = len(diags.errors)
    if is_markdown:
        body_text = bodies.resolve_blog_syntax(body_text, front, src, diags)
        body = bodies.render_markdown(body_text, src, title, diags, lang or fields.get("lang", "") or default_lang)
    else:
        body = bodies.render_text(body_text, src, diags)
    if len(diags.errors) > errors_before:
        return None
    if not body.html.strip():
        last_line = text.count("\n") + 1  # never a line the file does not have
        diags.warning(file, min(first_line + i, last_line), 0, "empty-body",
                      "this review has no text after its credits: the chapter will be empty")
    return Review(
        title=" ".join(title.split()),
        subtitle=fields.get("subtitle", ""),
        lang=fields.get("lang", ""),
        credits=ordered(credits),
        body_html=body.html,
        images=body.images,
        text=text,
    )


def _looks_like_a_title(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 80 and len(line.split()) <= 10 and not line.endswith((".", ":", ";", ","))


def _front_matter_lines(text: str) -> dict[str, int]:
    """Line of each top-level front-matter key, for locating credits."""
    out: dict[str, int] = {}
    lines = text.split("\n")
    if not lines or lines[0].rstrip() not in ("---", "+++"):
        return out
    for n, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "+++", "..."):
            break
        m = re.match(r"^\s*([\w.\- ]+?)\s*[:=]", line)
        if m:
            out.setdefault(m.group(1), n)
    return out
