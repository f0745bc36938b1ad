"""Chapter order without hand-editing YAML: list, move, add and remove chapters.

Edits rewrite ``anthology.yaml`` as text. ruamel.yaml parses it (where every entry of the
chapter lists starts and ends), and only the lines of the entries that change are cut and
pasted, re-indented for their new place. Everything else (comments, quoting, blank lines,
flow mappings, key order, line endings) stays byte for byte. A ruamel round-trip *dump*
would not do: it reflows ``{ page: a5 }``, normalises indentation, and attaches the comment
above an entry to the entry before it, so a move would carry the wrong comment along.

Which comments travel with an entry: the comment lines directly above it (no blank line
between) at the entry's own indentation, any comment inside it or at the end of its lines,
and comment lines right below it that are indented further than its ``-``. Every other
comment stays where it is.

Parts: a part emptied by a move or a removal is removed too (its divider would be empty);
``--part NAME`` naming a part that does not exist creates it at the end of the book.
Chapter lists written in flow style (``chapters: [a.md, b.md]``) are first rewritten one
entry per line, which needs no comment inside the brackets.

Every edit is checked before it is kept: the result is loaded with :func:`load_book`, and
if it brings an error the project did not already have, the previous manifest is put back
and the error raised. Writes are atomic (temporary file beside it, then ``os.replace``).
The library never prints: the functions return a sentence for the CLI to show.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import posixpath
import re
import stat
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import AnthologyError, Diagnostic, Diagnostics
from .load import load_book
from .load.manifest import MANIFEST_NAME, REVIEW_SUFFIXES, load_manifest, resolve_inside
from .load.yamlnodes import compose, to_python

FILE = MANIFEST_NAME


# -- listing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChapterRow:
    """One chapter in book order, as ``anthology chapters`` prints it."""

    position: int  # 1-based
    part: str  # the part's title, "" outside parts
    file: str  # as written in anthology.yaml
    title: str
    director: str
    year: str


def list_chapters(root: Path | str) -> list[ChapterRow]:
    """The book's chapters in order. Raises :class:`AnthologyError` when the project does not load."""
    root = Path(root)
    book, diags = load_book(root)
    if book is None:
        raise AnthologyError(list(diags))
    manifest = load_manifest(root, Diagnostics())
    sources = [ref.source for ref in manifest.chapters] if manifest else []
    if len(sources) != len(book.chapters):
        sources = [c.source for c in book.chapters]
    parts = {p.id: p.title for p in book.parts}
    rows = []
    for n, (chapter, source) in enumerate(zip(book.chapters, sources, strict=True), 1):
        director = ", ".join(c.value for c in chapter.credits if c.role == "director")
        year = next((c.value for c in chapter.credits if c.role == "year"), "")
        if not year:
            released = next((c.value for c in chapter.credits if c.role == "release_date"), "")
            found = re.search(r"\b(1[89]\d\d|2\d\d\d)\b", released)
            year = found.group(1) if found else ""
        rows.append(ChapterRow(n, parts.get(chapter.part_id, ""), source, chapter.title, director, year))
    return rows


def chapters_text(rows: Sequence[ChapterRow]) -> str:
    """A table for people: position, part, file, title, director, year."""
    header = ("#", "part", "file", "title", "director", "year")
    table = [header] + [(str(r.position), r.part, r.file, r.title, r.director, r.year) for r in rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for row in table:
        cells = [row[0].rjust(widths[0])]
        cells += [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row) if i]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def chapters_json(rows: Sequence[ChapterRow]) -> str:
    return json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2)


def _width(text: str) -> int:
    """Columns a string takes in a terminal: wide East Asian characters count two."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


# -- the manifest as lines, with the position of every chapter-list entry ----------------------


@dataclass(eq=False)
class _Seq:
    """A chapter list: the book's, or a part's."""

    key_line: int  # line of its 'chapters:' key (0-based); -1 when there is no key
    key_col: int
    part: _Item | None  # the part holding it; None for the book's list
    items: list[_Item] = field(default_factory=list)


@dataclass(eq=False)
class _Item:
    kind: Literal["chapter", "part", "other"]
    name: str  # chapter: the file as written; part: its title
    first: int  # first line of its block: leading comments included (0-based)
    last: int  # last line, inclusive
    indent: int  # column of its '-'
    seq: _Seq
    children: _Seq | None = None  # a part's chapter list
    flow: bool = False  # written in flow style ({...}) on one line


@dataclass(eq=False)
class _Layout:
    lines: list[str]
    top: _Seq | None  # None when there is no 'chapters:' key
    key_col: int  # column of the top-level keys

    def spaced(self, seq: _Seq) -> bool:
        """Whether the list's entries are separated by blank lines."""
        gaps = [self.lines[a.last + 1:b.first] for a, b in zip(seq.items, seq.items[1:], strict=False)]
        return any(any(not line.strip() for line in gap) for gap in gaps)

    def chapters(self) -> list[_Item]:
        out: list[_Item] = []
        for item in self.top.items if self.top else ():
            if item.kind == "chapter":
                out.append(item)
            elif item.kind == "part" and item.children:
                out.extend(c for c in item.children.items if c.kind == "chapter")
        return out

    def parts(self) -> list[_Item]:
        return [i for i in (self.top.items if self.top else ()) if i.kind == "part"]

    def seqs(self) -> list[_Seq]:
        out = [self.top] if self.top else []
        out += [p.children for p in self.parts() if p.children]
        return out


def _compose(text: str) -> Node | None:
    try:
        return YAML(typ="rt").compose(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = getattr(exc, "problem", None) or str(exc)
        raise AnthologyError.single(FILE, line, col, "yaml-syntax",
                                    f"YAML syntax error: {problem} (fix it before reordering)") from None


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style is None and node.value in ("", "~", "null", "Null", "NULL")


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _col(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _last_line(node: Node) -> int:
    """Last line holding part of the node (0-based)."""
    if isinstance(node, ScalarNode) and node.start_mark.index == node.end_mark.index:
        return -1  # an empty value ('title:' with nothing after it) is marked where the next token starts
    if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
        end = node.end_mark
        return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line
    children: list[Node] = []
    if isinstance(node, MappingNode):
        for k, v in node.value:
            children += [k, v]
    elif isinstance(node, SequenceNode):
        children = list(node.value)
    return max((_last_line(c) for c in children), default=node.start_mark.line)


def _fields(node: MappingNode) -> dict[str, tuple[Node, Node]]:
    return {k.value: (k, v) for k, v in node.value if isinstance(k, ScalarNode)}


def _unsupported(line: int, message: str) -> AnthologyError:
    return AnthologyError.single(FILE, line + 1, 0, "edit-layout", message)


def _layout(text: str) -> _Layout:
    lines = text.split("\n")
    node = _compose(text)
    if node is None or (isinstance(node, ScalarNode) and _is_null(node)):
        raise AnthologyError.single(FILE, 1, 1, "manifest-empty",
                                    f"{FILE} is empty: it needs at least 'title:' and 'chapters:'")
    if not isinstance(node, MappingNode) or node.flow_style:
        raise _unsupported(node.start_mark.line, f"{FILE} must be a mapping of keys, one per line, to be edited")
    key_col = node.value[0][0].start_mark.column if node.value else 0
    chapters = _fields(node).get("chapters")
    top = _seq(text, lines, chapters[0], chapters[1], None) if chapters else None
    return _Layout(lines, top, key_col)


def _seq(text: str, lines: list[str], key: Node, value: Node, part: _Item | None) -> _Seq:
    seq = _Seq(key.start_mark.line, key.start_mark.column, part)
    if isinstance(value, SequenceNode):
        if value.flow_style:
            raise _unsupported(value.start_mark.line, "a chapter list in flow style ([...]) could not be rewritten")
        seq.items = [_item(text, lines, n, seq) for n in value.value]
    elif not _is_null(value):
        raise AnthologyError.single(FILE, value.start_mark.line + 1, value.start_mark.column + 1, "manifest-type",
                                    "'chapters' must be a list of review files")
    return seq


def _item(text: str, lines: list[str], node: Node, seq: _Seq) -> _Item:
    i = node.start_mark.index - 1
    while i >= 0 and text[i] in " \t\n":
        i -= 1
    if i < 0 or text[i] != "-":
        raise _unsupported(node.start_mark.line, "this chapter entry is laid out in a way anthology cannot edit")
    dash_line = text.count("\n", 0, i)
    indent = i - (text.rfind("\n", 0, i) + 1)
    first, last = dash_line, max(dash_line, _last_line(node))
    while first > 0 and _is_comment(lines[first - 1]) and _col(lines[first - 1]) == indent:
        first -= 1
    while last + 1 < len(lines) and _is_comment(lines[last + 1]) and _col(lines[last + 1]) > indent:
        last += 1
    item = _Item("other", "", first, last, indent, seq, flow=bool(getattr(node, "flow_style", False)))
    if isinstance(node, ScalarNode) and not _is_null(node):
        item.kind, item.name = "chapter", node.value.strip()
    elif isinstance(node, MappingNode):
        fields = _fields(node)
        if "part" in fields and isinstance(fields["part"][1], ScalarNode):
            item.kind, item.name = "part", fields["part"][1].value.strip()
            if "chapters" in fields and not item.flow:
                item.children = _seq(text, lines, *fields["chapters"], item)
        elif "file" in fields and isinstance(fields["file"][1], ScalarNode):
            item.kind, item.name = "chapter", fields["file"][1].value.strip()
    return item


# -- flow-style chapter lists become one entry per line ------------------------------------


def _blockify(text: str) -> str:
    """Rewrite flow-style chapter lists (and parts written as {part: ..., chapters: [...]}) as
    block lists, one entry per line, so entries can be cut and pasted. Other text is kept."""
    for _ in range(1000):
        node = _compose(text)
        if not isinstance(node, MappingNode) or node.flow_style:
            return text
        found = _flow_target(node)
        if found is None:
            return text
        text = _rewrite_flow(text, *found)
    return text


def _flow_target(node: MappingNode) -> tuple[str, Node, Node | None, int] | None:
    """The first chapter list or part that needs rewriting: (context, node, key, column)."""
    chapters = _fields(node).get("chapters")
    if chapters is None:
        return None
    key, value = chapters
    if _needs_block(value):
        return "key", value, key, key.start_mark.column
    if not isinstance(value, SequenceNode):
        return None
    for item in value.value:
        if not isinstance(item, MappingNode) or "part" not in _fields(item):
            continue
        if item.flow_style:
            return "dash", item, None, 0
        inner = _fields(item).get("chapters")
        if inner is not None and _needs_block(inner[1]):
            return "key", inner[1], inner[0], inner[0].start_mark.column
    return None


def _needs_block(value: Node) -> bool:
    if isinstance(value, SequenceNode):
        return bool(value.flow_style)
    return isinstance(value, ScalarNode) and _is_null(value) and value.end_mark.index > value.start_mark.index


def _rewrite_flow(text: str, context: str, node: Node, key: Node | None, key_col: int) -> str:
    start, end = node.start_mark.index, node.end_mark.index
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    trailing = text[end:line_end]
    if trailing.strip() and not trailing.strip().startswith("#"):
        raise _unsupported(node.end_mark.line, "write this chapter list one entry per line to edit it with anthology")
    _check_no_comments(text, node)
    if context == "key":
        body = [_emit_item(text, i, key_col + 2) for i in node.value] if isinstance(node, SequenceNode) else []
        head = text[:start].rstrip(" ")
        return head + trailing + "".join("\n" + line for lines in body for line in lines) + text[line_end:]
    dash_line_start = text.rfind("\n", 0, start) + 1
    dash_col = text.rfind("-", dash_line_start, start) - dash_line_start
    lines = _emit_mapping(text, node, dash_col + 2)
    return text[:start] + lines[0].lstrip() + trailing + "".join("\n" + line for line in lines[1:]) + text[line_end:]


def _slice(text: str, node: Node) -> str:
    piece = text[node.start_mark.index:node.end_mark.index]
    if "\n" in piece:
        raise _unsupported(node.start_mark.line, "write this chapter list one entry per line to edit it with anthology")
    return piece


def _emit_item(text: str, node: Node, dash_col: int) -> list[str]:
    if isinstance(node, MappingNode) and "part" in _fields(node):
        lines = _emit_mapping(text, node, dash_col + 2)
        return [" " * dash_col + "- " + lines[0].lstrip(), *lines[1:]]
    return [" " * dash_col + "- " + _slice(text, node)]


def _emit_mapping(text: str, node: MappingNode, key_col: int) -> list[str]:
    out: list[str] = []
    for k, v in node.value:
        if isinstance(v, SequenceNode):
            out.append(" " * key_col + _slice(text, k) + ":")
            for item in v.value:
                out += _emit_item(text, item, key_col + 2)
        else:
            out.append(" " * key_col + _slice(text, k) + ": " + _slice(text, v))
    return out


def _check_no_comments(text: str, node: Node) -> None:
    """Refuse to rewrite a flow collection holding comments (they would be lost)."""
    spans: list[tuple[int, int]] = []

    def walk(n: Node) -> None:
        if isinstance(n, ScalarNode):
            spans.append((n.start_mark.index, n.end_mark.index))
        elif isinstance(n, MappingNode):
            for k, v in n.value:
                walk(k)
                walk(v)
        elif isinstance(n, SequenceNode):
            for i in n.value:
                walk(i)

    walk(node)
    chars = list(text[node.start_mark.index:node.end_mark.index])
    for a, b in spans:
        for i in range(a - node.start_mark.index, b - node.start_mark.index):
            chars[i] = " "
    if "#" in chars:
        raise _unsupported(node.start_mark.line,
                           "this chapter list is in flow style ([...]) with comments inside: "
                           "write it one entry per line to edit it with anthology")


# -- cutting and pasting entries -----------------------------------------------------------


def _reindent(block: list[str], old: int, new: int) -> list[str]:
    out = []
    for line in block:
        if not line.strip():
            out.append("")
        elif new >= old:
            out.append(" " * (new - old) + line)
        else:
            out.append(line[min(_col(line), old - new):])
    return out


Anchor = tuple[Literal["before", "after", "end"], _Item | _Seq]


class _Editor:
    """The manifest's text, edited in steps; the layout is parsed afresh after each step."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / FILE
        if not self.path.is_file():
            raise AnthologyError.single(FILE, 0, 0, "no-manifest",
                                        f"no {FILE} in {root}: run 'anthology init' to create one")
        self.raw = self.path.read_bytes()
        bom = self.raw.startswith(b"\xef\xbb\xbf")
        try:
            text = self.raw[3 if bom else 0:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AnthologyError.single(FILE, 0, 0, "encoding", f"{FILE} is not UTF-8 text ({exc.reason})") from None
        self.bom = bom
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.original = text.replace("\r\n", "\n")
        self.text = _blockify(self.original)
        self.notes: list[str] = []

    # layout

    def layout(self) -> _Layout:
        return _layout(self.text)

    def chapter(self, lay: _Layout, name: str) -> _Item:
        item = self._match(lay.chapters(), name)
        if item is not None:
            return item
        if self._match(lay.parts(), name, parts=True):
            raise AnthologyError.single(FILE, 0, 0, "edit-is-a-part",
                                        f"'{name}' is a part, not a chapter: name a review file as written in {FILE}")
        raise self.unknown(lay, name)

    def entry(self, lay: _Layout, name: str) -> _Item:
        """A chapter (by file) or a part (by title)."""
        item = self._match(lay.chapters(), name) or self._match(lay.parts(), name, parts=True)
        if item is None:
            raise self.unknown(lay, name, parts=True)
        return item

    def part(self, lay: _Layout, name: str) -> _Item | None:
        return self._match(lay.parts(), name, parts=True)

    def _match(self, items: list[_Item], name: str, *, parts: bool = False) -> _Item | None:
        for item in items:
            if item.name == name:
                return item
        if parts:
            found = [i for i in items if i.name.casefold() == name.strip().casefold()]
            return found[0] if len(found) == 1 else None
        wanted = {_norm(name)}
        for base in (self.root, Path.cwd()):
            with contextlib.suppress(OSError, ValueError):
                wanted.add(str((base / name).resolve()))
        for item in items:
            if _norm(item.name) in wanted:
                return item
            with contextlib.suppress(OSError, ValueError):
                if str((self.root / item.name).resolve()) in wanted:
                    return item
        return None

    def unknown(self, lay: _Layout, name: str, *, parts: bool = False) -> AnthologyError:
        known = [i.name for i in lay.chapters()] + ([i.name for i in lay.parts()] if parts else [])
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        target, _ = resolve_inside(self.root, name)
        if not close and target is not None and target.is_file():
            hint = f"; the file exists: add it with 'anthology add {name}'"
        line = lay.top.key_line + 1 if lay.top else 0
        what = "chapter or part" if parts else "chapter"
        return AnthologyError.single(FILE, line, 0, "edit-unknown",
                                     f"'{name}' is not a {what} in {FILE}{hint} ('anthology chapters' lists them)")

    # text steps

    def cut(self, item: _Item) -> tuple[list[str], int]:
        """Remove an entry's block (and one run of blank lines beside it); return (block, its indent)."""
        lines = self.text.split("\n")
        start, end = item.first, item.last + 1
        siblings = item.seq.items
        n = siblings.index(item)
        if n < len(siblings) - 1:
            stop = siblings[n + 1].first
            while end < stop and not lines[end].strip():
                end += 1
        elif n > 0:
            stop = siblings[n - 1].last + 1
            while start > stop and not lines[start - 1].strip():
                start -= 1
        block = lines[item.first:item.last + 1]
        self.text = "\n".join(lines[:start] + lines[end:])
        return block, item.indent

    def insert(self, lay: _Layout, anchor: Anchor, block: list[str], indent: int) -> None:
        lines = lay.lines
        how, target = anchor
        if how == "end":
            assert isinstance(target, _Seq)
            if target.items:
                how, target = "after", target.items[-1]
            else:
                if target.key_line < 0:
                    raise _unsupported(0, "this part has no 'chapters:' list to add to")
                offset = self.list_offset(lay)
                pos = target.key_line + 1
                self.text = "\n".join(lines[:pos] + _reindent(block, indent, target.key_col + offset) + lines[pos:])
                return
        assert isinstance(target, _Item)
        sep = [""] if lay.spaced(target.seq) else []
        moved = _reindent(block, indent, target.indent)
        if how == "before":
            pos, new = target.first, moved + sep
        else:
            pos, new = target.last + 1, sep + moved
        self.text = "\n".join(lines[:pos] + new + lines[pos:])

    def list_offset(self, lay: _Layout) -> int:
        """How far this manifest indents a list's '-' from its key (0 or 2, usually)."""
        for seq in lay.seqs():
            if seq.items:
                return seq.items[0].indent - seq.key_col
        return 2

    def new_part(self, lay: _Layout, name: str, block: list[str], indent: int) -> None:
        """Append a part holding ``block`` at the end of the book."""
        top = lay.top
        dash = top.items[0].indent if top and top.items else (top.key_col if top else lay.key_col) + 2
        offset = self.list_offset(lay)
        lines = [" " * dash + "- part: " + _scalar(name), " " * (dash + 2) + "chapters:"]
        lines += _reindent(block, indent, dash + 2 + offset)
        if top is None:
            self.add_chapters_key(lay, lines, dash)
        else:
            self.insert(lay, ("end", top), lines, dash)
        self.notes.append(f"created the part '{name}' at the end of the book")

    def add_chapters_key(self, lay: _Layout, block: list[str], indent: int) -> None:
        """No 'chapters:' at all: append one at the end of the file."""
        lines = list(lay.lines)
        tail = 1 if lines and lines[-1] == "" else 0
        body = lines[:len(lines) - tail]
        new = ["", " " * lay.key_col + "chapters:"] + _reindent(block, indent, lay.key_col + 2)
        self.text = "\n".join(body + new + [""] * max(tail, 1))

    def drop_empty_part(self, name: str) -> None:
        lay = self.layout()
        for part in lay.parts():
            if part.name == name and part.children is not None and not part.children.items:
                self.cut(part)
                self.notes.append(f"removed the part '{name}', now empty")
                return

    # saving

    def save(self, expected: list[str]) -> None:
        """Check the result, write it atomically, load it; put the old file back if it broke the book."""
        if self.text == self.original:
            return
        _check_same_content(self.original, self.text, expected)
        text = self.text.replace("\n", self.newline)
        data = (b"\xef\xbb\xbf" if self.bom else b"") + text.encode("utf-8")
        _, before = load_book(self.root)
        if self.path.read_bytes() != self.raw:
            raise AnthologyError.single(FILE, 0, 0, "edit-conflict",
                                        f"{FILE} changed on disk while it was being edited: nothing written, try again")
        _write_atomic(self.path, data)
        book, after = load_book(self.root)
        if book is not None:
            return
        old = {(d.file, d.code, d.message) for d in before.errors}
        new = [d for d in after.errors if (d.file, d.code, d.message) not in old]
        if new:
            _write_atomic(self.path, self.raw)
            lead = Diagnostic(FILE, 0, 0, "error", "edit-invalid",
                              f"this change would break the book, so {FILE} was left as it was")
            raise AnthologyError([lead, *new])


def _content(text: str) -> tuple[object, list[tuple[str, str]]] | None:
    """What a manifest says, as plain data: (everything but the chapters, [(chapter, its entry)])."""
    node = compose(text, FILE, Diagnostics())
    if node is None:
        return None
    data = to_python(node)
    if not isinstance(data, dict):
        return None
    entries: list[tuple[str, str]] = []

    def walk(items: object) -> None:
        for entry in items if isinstance(items, list) else ():
            if isinstance(entry, dict) and "part" in entry:
                walk(entry.get("chapters"))
                continue
            name = entry.get("file") if isinstance(entry, dict) else entry
            if isinstance(name, str):
                entries.append((name.strip(), json.dumps(entry, sort_keys=True)))

    walk(data.get("chapters"))
    return {k: v for k, v in data.items() if k != "chapters"}, entries


def _check_same_content(old: str, new: str, expected: list[str]) -> None:
    """The edit changed the order of the chapters and nothing else: a bug otherwise, never the user's."""
    before, after = _content(old), _content(new)
    ok = after is not None and Counter(name for name, _ in after[1]) == Counter(expected)
    if ok and before is not None and after is not None:
        was = set(before[1])
        ok = before[0] == after[0] and all((n, e) in was for n, e in after[1] if n in dict(before[1]))
    if not ok:
        raise AnthologyError.single(FILE, 0, 0, "edit-internal",
                                    f"internal error: the edit would have changed more than the chapter order, "
                                    f"so {FILE} was left as it was (please report this, with the file)")


def _norm(path: str) -> str:
    return posixpath.normpath(path.strip().replace("\\", "/"))


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when every YAML reader gives it back as this string."""
    plain_ok = value == value.strip() and "\n" not in value and bool(value)
    if plain_ok:
        try:
            plain_ok = (YAML(typ="safe", pure=True).load(f"- {value}\n") == [value]
                        and pyyaml.safe_load(f"- {value}\n") == [value])
        except (YAMLError, pyyaml.YAMLError):
            plain_ok = False
    return value if plain_ok else json.dumps(value, ensure_ascii=False)


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` (through a symlink, if it is one) by ``data`` in one rename, keeping its mode."""
    target = path.resolve()
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- the operations ------------------------------------------------------------------------


def _where(lay: _Layout, name: str) -> str:
    for n, item in enumerate(lay.chapters(), 1):
        if item.name == name:
            part = item.seq.part
            return f"position {n} of {len(lay.chapters())}" + (f", in the part '{part.name}'" if part else "")
    return "?"


def _position_anchor(lay: _Layout, position: int, prefer: str | None) -> Anchor:
    """Where a chapter goes to end up at ``position`` (1-based) of the book.

    Between two chapters of different lists (the end of a part and what follows), it joins
    ``prefer`` (the part it came from; "" for the book's own list) if that is one of the two,
    else the book's own list if that is one of them, else the list of the chapter that follows.
    """
    chapters = lay.chapters()
    prev = chapters[position - 2] if position >= 2 else None
    nxt = chapters[position - 1] if position - 1 < len(chapters) else None
    if prev is None and nxt is None:
        assert lay.top is not None
        return "end", lay.top
    if prev is None or nxt is None or prev.seq is nxt.seq:
        return ("before", nxt) if nxt is not None else ("after", prev)  # type: ignore[return-value]

    def owner(item: _Item) -> str:
        return item.seq.part.name if item.seq.part else ""

    for wanted in (prefer, ""):
        if wanted is not None and owner(prev) == wanted:
            return "after", prev
        if wanted is not None and owner(nxt) == wanted:
            return "before", nxt
    return "before", nxt


def move_chapter(root: Path | str, file: str, *, before: str | None = None, after: str | None = None,
                 to: int | None = None, part: str | None = None) -> str:
    """Move a chapter (or, with ``before``/``after``, a whole part) and rewrite anthology.yaml.

    Exactly one of: ``before``/``after`` another chapter's file or a part's title (naming a
    part puts the chapter outside it, next to it); ``to`` a 1-based book position as
    :func:`list_chapters` numbers it; ``part``, to the end of that part (created at the end
    of the book when there is none of that name). Returns what was done, for people.
    """
    given = [x for x in (before, after, to, part) if x is not None]
    if len(given) != 1:
        raise AnthologyError.single(FILE, 0, 0, "edit-usage", "say where to move it: --before, --after, --to or --part")
    ed = _Editor(Path(root))
    lay = ed.layout()
    item = ed.entry(lay, file)
    names = [i.name for i in lay.chapters()]
    if item.kind == "part":
        return _move_part(ed, lay, item, before, after, names)
    name = item.name
    old = names.index(name) + 1
    source_part = item.seq.part.name if item.seq.part else None
    alone = source_part is not None and len(item.seq.items) == 1
    other: _Item | None = None
    if to is not None:
        if not 1 <= to <= len(names):
            raise AnthologyError.single(FILE, 0, 0, "edit-position",
                                        f"--to {to}: the book has chapters 1 to {len(names)}")
        if to == old:
            return f"{name} is already at {_where(lay, name)}"
    elif part is not None:
        home = ed.part(lay, part)
        if home is not None and item.seq.part is home and item is item.seq.items[-1]:
            return f"{name} is already the last chapter of the part '{home.name}'"
    else:
        other = ed.entry(lay, before if before is not None else after)  # type: ignore[arg-type]
        if other is item:
            raise AnthologyError.single(FILE, 0, 0, "edit-usage", f"cannot move '{name}' next to itself")

    block, indent = ed.cut(item)
    lay = ed.layout()
    if to is not None:
        ed.insert(lay, _position_anchor(lay, to, source_part or ""), block, indent)
    elif part is not None:
        home = ed.part(lay, part)
        if home is None:
            ed.new_part(lay, part, block, indent)
        else:
            if home.children is None:
                raise _unsupported(home.first, f"the part '{home.name}' has no 'chapters:' list")
            ed.insert(lay, ("end", home.children), block, indent)
    else:
        assert other is not None
        target = ed.entry(lay, other.name)
        ed.insert(lay, ("before" if before is not None else "after", target), block, indent)
    if alone:
        ed.drop_empty_part(source_part)  # type: ignore[arg-type]
    ed.save(names)
    lay = ed.layout()
    return "\n".join([f"moved {name} from position {old} to {_where(lay, name)}", *ed.notes])


def _move_part(ed: _Editor, lay: _Layout, item: _Item, before: str | None, after: str | None,
               names: list[str]) -> str:
    if before is None and after is None:
        raise AnthologyError.single(FILE, 0, 0, "edit-usage",
                                    f"'{item.name}' is a part: move it with --before or --after another part "
                                    "or a chapter outside parts")
    other = ed.entry(lay, before if before is not None else after)  # type: ignore[arg-type]
    if other is item:
        raise AnthologyError.single(FILE, 0, 0, "edit-usage", f"cannot move '{item.name}' next to itself")
    if other.seq.part is not None:
        raise AnthologyError.single(FILE, 0, 0, "nested-part",
                                    f"'{other.name}' is inside the part '{other.seq.part.name}', "
                                    "and parts cannot contain parts")
    block, indent = ed.cut(item)
    lay = ed.layout()
    target = ed.entry(lay, other.name)
    ed.insert(lay, ("before" if before is not None else "after", target), block, indent)
    ed.save(names)
    where = "before" if before is not None else "after"
    return f"moved the part '{item.name}' {where} '{other.name}'"


def add_chapters(root: Path | str, files: Sequence[str], *, part: str | None = None, at: int | None = None) -> str:
    """Add review files to the book, in the order given.

    By default at the end of the book, outside parts. ``part``: at the end of that part
    (created at the end of the book if missing). ``at``: from that 1-based position on; with
    ``part`` it counts within the part. Paths are relative to the project (or to the current
    folder, when they lead inside the project); a file already in the book is an error.
    """
    root = Path(root)
    ed = _Editor(root)
    lay = ed.layout()
    names = [i.name for i in lay.chapters()]
    present = {}
    for item in lay.chapters():
        with contextlib.suppress(OSError):
            present[(root / item.name).resolve()] = item.name
    sources: list[str] = []
    seen: set[Path] = set()
    for file in files:
        source, path = _review_source(root, file)
        if path in present:
            n = names.index(present[path]) + 1
            raise AnthologyError.single(FILE, 0, 0, "duplicate-chapter",
                                        f"'{source}' is already chapter {n} (use 'anthology move' to reorder)")
        if path in seen:
            raise AnthologyError.single(FILE, 0, 0, "duplicate-chapter", f"'{source}' is given twice")
        seen.add(path)
        sources.append(source)
    home = ed.part(lay, part) if part is not None else None
    if part is not None and home is None and at not in (None, 1):
        raise AnthologyError.single(FILE, 0, 0, "edit-position",
                                    f"there is no part '{part}' yet: it will be created with the new chapters, "
                                    "so --at can only be 1")
    size = len(home.children.items) if home is not None and home.children else len(names)
    if at is not None and not 1 <= at <= size + 1:
        within = f"the part '{home.name}' has" if home is not None else "the book has"
        raise AnthologyError.single(FILE, 0, 0, "edit-position",
                                    f"--at {at}: {within} positions 1 to {size + 1}")
    for n, source in enumerate(sources):
        lay = ed.layout()
        block = ["- " + _scalar(source)]
        if part is not None:
            home = ed.part(lay, part)
            if home is None:
                ed.new_part(lay, part, block, 0)
                continue
            if home.children is None:
                raise _unsupported(home.first, f"the part '{home.name}' has no 'chapters:' list")
            items = home.children.items
            if at is not None and at - 1 + n < len(items):
                ed.insert(lay, ("before", items[at - 1 + n]), block, 0)
            else:
                ed.insert(lay, ("end", home.children), block, 0)
        elif lay.top is None:
            ed.add_chapters_key(lay, block, 0)
        elif at is not None:
            ed.insert(lay, _position_anchor(lay, at + n, ""), block, 0)
        else:
            ed.insert(lay, ("end", lay.top), block, 0)
    ed.save(names + sources)
    lay = ed.layout()
    done = [f"added {s} at {_where(lay, s)}" for s in sources]
    return "\n".join(done + ed.notes)


def add_chapter(root: Path | str, file: str, *, part: str | None = None, at: int | None = None) -> str:
    """Add one review file; see :func:`add_chapters`."""
    return add_chapters(root, [file], part=part, at=at)


def _review_source(root: Path, file: str) -> tuple[str, Path]:
    """The manifest spelling of a review file the user named, and its resolved path."""
    source = _norm(file)
    target, reason = resolve_inside(root, source)
    if target is None or not target.exists():
        outside = Path(file).resolve()
        real_root = root.resolve()
        if outside.is_file() and real_root in outside.parents:
            source = outside.relative_to(real_root).as_posix()
            target, reason = outside, ""
    if target is None:
        raise AnthologyError.single(FILE, 0, 0, "path-outside", reason)
    if not target.exists():
        raise AnthologyError.single(FILE, 0, 0, "missing-file",
                                    f"'{file}' does not exist (paths are relative to the project folder {root})")
    if target.is_dir():
        raise AnthologyError.single(FILE, 0, 0, "not-a-file", f"'{file}' is a folder, not a review file")
    if target.suffix.lower() not in REVIEW_SUFFIXES:
        raise AnthologyError.single(FILE, 0, 0, "review-suffix",
                                    f"'{file}' is not a review: review files end in .md (Markdown) or .txt")
    return source, target


def remove_chapter(root: Path | str, file: str) -> str:
    """Take a chapter out of the book (the review file stays on disk)."""
    ed = _Editor(Path(root))
    lay = ed.layout()
    item = ed.chapter(lay, file)
    names = [i.name for i in lay.chapters()]
    if len(names) == 1:
        raise AnthologyError.single(FILE, item.first + 1, 0, "no-chapters",
                                    f"'{item.name}' is the book's only chapter: a book needs at least one")
    old = names.index(item.name) + 1
    part = item.seq.part.name if item.seq.part else None
    alone = part is not None and len(item.seq.items) == 1
    ed.cut(item)
    if alone:
        ed.drop_empty_part(part)  # type: ignore[arg-type]
    names.remove(item.name)  # its first occurrence: a duplicate may stay
    ed.save(names)
    return "\n".join([f"removed {item.name} (was chapter {old}; the file is still there)", *ed.notes])


__all__ = [
    "ChapterRow", "add_chapter", "add_chapters", "chapters_json", "chapters_text", "list_chapters",
    "move_chapter", "remove_chapter",
]
