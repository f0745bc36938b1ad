"""Review bodies → sanitised XHTML fragments.

``.md`` is CommonMark (markdown-it-py) with inline HTML through an allowlist (nh3);
``.txt`` is plain text where every non-empty line is a paragraph and a run of blank
lines is a section break. Blog syntax (Hugo shortcodes, Liquid tags) is resolved or
removed here, with a located warning, before Markdown sees the text.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import mimetypes
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import nh3
from lxml import etree
from lxml import html as lxml_html

from ..errors import Diagnostics
from ..limits import DEFAULT, Limits, how_to_raise
from ..model import Image
from .manifest import BCP47, resolve_inside

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup", "small",
    "mark", "q", "cite", "abbr", "code", "pre", "kbd", "samp", "var", "blockquote", "ul", "ol",
    "li", "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "span", "div", "aside",
    "time", "bdi", "bdo", "ruby", "rt", "rp", "dfn", "wbr",
}
ALLOWED_ATTRIBUTES = {
    "*": {"lang", "title", "dir"},
    "a": {"href"},
    "img": {"src", "alt"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "time": {"datetime"},
}
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript",
                        "textarea", "select", "svg", "math", "title", "head"}
LINK_SCHEMES = {"http", "https", "mailto"}
# nh3 keeps these in href/src; "data" only so that an embedded image is named as one, then left out.
URL_SCHEMES = set(nh3.ALLOWED_URL_SCHEMES) | {"data"}
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

@dataclass(slots=True)
class Body:
    html: str
    images: list[Image] = field(default_factory=list)


@dataclass(slots=True)
class Source:
    """Where a body sits, for resolving images and locating warnings."""

    root: Path  # project root
    file: str  # project-relative path of the review, for messages
    path: Path  # the review file
    first_line: int  # 1-based line of the body's first line in the file
    text: str  # the whole file, to locate things found in the body
    limits: Limits = DEFAULT


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def _line_of(text: str, needle: str, default: int) -> int:
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else default


# -- blog syntax ---------------------------------------------------------------------------

_SHORTCODE = re.compile(r"\{\{([<%])\s*(/?)\s*([\w.-]+)([^\n]{0,500}?)\s*[>%]\}\}")
_LIQUID = re.compile(r"\{%-?\s*(\w+)([^\n]{0,500}?)-?%\}")


def _lookup(front: dict[str, Any], key: str) -> Any:
    """Hugo's ``param``: the page's own front matter, then its [params] table."""
    key = key.strip("\"'")
    for scope in (front, front.get("params") or {}):
        value: Any = scope
        for part in key.split("."):
            if not isinstance(value, dict):
                value = None
                break
            match = {k.lower(): v for k, v in value.items()}.get(part.lower())
            value = match
        if value is not None:
            return value
    return None


def resolve_blog_syntax(text: str, front: dict[str, Any], src: Source, diags: Diagnostics) -> str:
    """Resolve ``{{< param >}}``, remove other shortcodes and Liquid tags (keeping their text)."""

    def line_at(offset: int) -> int:
        return src.first_line + text.count("\n", 0, offset)

    def shortcode(m: re.Match[str]) -> str:
        closing, name, args = m.group(2), m.group(3), m.group(4).strip()
        if name == "param" and not closing:
            value = _lookup(front, args.split()[0] if args else "")
            if value is not None and not isinstance(value, dict | list):
                return str(value)
            diags.warning(src.file, line_at(m.start()), 0, "shortcode-param",
                          f"{m.group(0)}: no such key in this post's front matter; removed")
            return ""
        if not closing:
            diags.warning(src.file, line_at(m.start()), 0, "shortcode-removed",
                          f"Hugo shortcode {m.group(0)} removed: a book has no equivalent")
        return ""

    def liquid(m: re.Match[str]) -> str:
        diags.warning(src.file, line_at(m.start()), 0, "liquid-removed",
                      f"Liquid tag {m.group(0)} removed (its enclosed text is kept)")
        return ""

    text = _SHORTCODE.sub(shortcode, text)
    return _LIQUID.sub(liquid, text)


# -- markdown ------------------------------------------------------------------------------

def render_markdown(text: str, src: Source, title: str, diags: Diagnostics, lang: str = "en") -> Body:
    from .markdown import parser  # markdown-it is imported when a review is parsed, not at every start

    limits = src.limits
    md = parser(lang, limits.nesting_depth)
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    if "flattened_at" in env:
        diags.warning(src.file, src.first_line + env["flattened_at"], 0, "nesting-flattened",
                      f"quotes or lists nested more than {limits.nesting_depth} deep (the limit nesting_depth): "
                      "the deeper levels are flattened, their text kept")
    items = [tok for tok in tokens if tok.type == "list_item_open"]
    if len(items) > limits.list_items:
        over = items[limits.list_items]
        line = src.first_line + (over.map[0] if over.map else 0)
        diags.error(src.file, line, 0, "too-many-list-items",
                    f"{len(items):,} list items are too many for one review (limit {limits.list_items:,}, "
                    f"list_items; this is item {limits.list_items + 1:,}): laying them out would take minutes. "
                    f"Split the list into paragraphs or reviews, or {how_to_raise('list_items')}")
        return Body("")
    _drop_heading_repeating_title(tokens, title)
    # A body's headings nest under the chapter title (h1): the shallowest becomes h2, so a
    # review that starts its sections at '##' does not skip a level.
    levels = [int(tok.tag[1]) for tok in tokens if tok.type == "heading_open"]
    shift = 2 - min(levels) if levels else 0
    for tok in tokens:
        if tok.type in ("heading_open", "heading_close"):
            tok.tag = f"h{min(max(int(tok.tag[1]) + shift, 2), 6)}"
    raw = md.renderer.render(tokens, md.options, {})
    return _finish(raw, src, diags, _image_lines(tokens, src.first_line),
                   lambda: _deep_line(tokens, src.limits.nesting_depth, src.first_line))


_IMG_TAG = re.compile(r"<img\b", re.IGNORECASE)


def _image_lines(tokens: list, first_line: int) -> list[int]:
    """File line of every image, Markdown or HTML, in document order."""
    lines: list[int] = []
    for tok in tokens:
        if not tok.map:
            continue
        line = first_line + tok.map[0]
        if tok.type == "html_block":
            for m in _IMG_TAG.finditer(tok.content):
                lines.append(line + tok.content.count("\n", 0, m.start()))
        for child in tok.children or ():
            if child.type == "softbreak" or child.type == "hardbreak":
                line += 1
            elif child.type == "image" or (child.type == "html_inline" and _IMG_TAG.match(child.content)):
                lines.append(line)
    return lines


def _deep_line(tokens: list, limit: int, first_line: int) -> int:
    """File line of the first raw HTML tag that opens an element deeper than ``limit``."""
    depth = 0
    for tok in tokens:
        if not tok.map:
            continue
        raw = [tok.content] if tok.type == "html_block" else [
            c.content for c in tok.children or () if c.type == "html_inline"]
        for content in raw:
            for m in _TAG.finditer(content):
                if m.group(2).lower() in VOID or m.group(4):
                    continue
                depth += -1 if m.group(1) else 1
                if depth + tok.level > limit:
                    return first_line + tok.map[0] + content.count("\n", 0, m.start())
    return first_line


def _drop_heading_repeating_title(tokens: list, title: str) -> None:
    """A blog post often repeats its title as the first heading; the chapter shows it once."""
    if len(tokens) >= 3 and tokens[0].type == "heading_open":
        text = tokens[1].content.strip().strip("#").strip()
        if fold_title(text) == fold_title(title):
            del tokens[:3]


def fold_title(s: str) -> str:
    """A title reduced to its words, for telling whether two spellings are the same title."""
    return re.sub(r"\W+", " ", s).strip().casefold()


# -- plain text ----------------------------------------------------------------------------

def render_text(text: str, src: Source, diags: Diagnostics) -> Body:
    """Every non-empty line is a paragraph; a run of blank lines is a section break."""
    out: list[str] = []
    pending_break = False
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            pending_break = bool(out)
            continue
        if pending_break:
            out.append('<hr class="section-break"/>')
            pending_break = False
        out.append(f"<p>{html.escape(line, quote=False)}</p>")
    return Body("\n".join(out))


# -- sanitising and finishing --------------------------------------------------------------

def _finish(raw_html: str, src: Source, diags: Diagnostics, image_lines: list[int] | None = None,
            deep_line: Callable[[], int] | None = None) -> Body:
    clean = nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    if not clean.strip():
        return Body("")
    clean, flattened = flatten_deep(clean, src.limits.nesting_depth)
    if flattened:
        diags.warning(src.file, deep_line() if deep_line else src.first_line, 0, "nesting-flattened",
                      f"HTML elements nested more than {src.limits.nesting_depth} deep (the limit nesting_depth): "
                      f"{flattened:,} deeper tags removed, their text kept")
    try:
        wrapper = lxml_html.fragment_fromstring(clean, create_parent="div")
    except (etree.ParserError, ValueError):
        return Body("")
    body = Body("")
    _fix_images(wrapper, src, diags, body, image_lines or [])
    _fix_links(wrapper)
    _fix_attributes(wrapper)
    for hr in wrapper.iter("hr"):
        hr.set("class", "section-break")
    parts = [html.escape(wrapper.text, quote=False)] if wrapper.text and wrapper.text.strip() else []
    parts += [etree.tostring(child, method="xml", encoding="unicode") for child in wrapper]
    body.html = "".join(parts).strip()
    return body


def _replace_with_text(el: etree._Element, text: str) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if text:
        span = etree.Element("span")
        span.set("class", "image-alt")
        span.text = f"[{text}]"
        span.tail = el.tail
        parent.replace(el, span)
    else:
        el.drop_tree()


def _fix_images(root: etree._Element, src: Source, diags: Diagnostics, body: Body, lines: list[int]) -> None:
    images = list(root.iter("img"))
    for n, img in enumerate(images):
        url = (img.get("src") or "").strip()
        alt = " ".join((img.get("alt") or "").split())
        if len(lines) == len(images):
            line = lines[n]
        else:
            line = _line_of(src.text, url, src.first_line) if url else src.first_line
        parts = urlsplit(url)
        if not url:
            diags.warning(src.file, line, 0, "image-unsafe", "image without a usable source left out")
            _replace_with_text(img, alt)
            continue
        if parts.scheme.lower() == "data":
            diags.warning(src.file, line, 0, "image-data-url",
                          "image embedded in the text as a data: URL, which is not supported: left out, alt "
                          "text kept (save the picture as a file under assets/ and link it: "
                          "![a still](../assets/still.png))")
            _replace_with_text(img, alt)
            continue
        if parts.scheme or url.startswith("//"):
            diags.warning(src.file, line, 0, "image-remote",
                          f"remote image {url} is not fetched: left out, alt text kept "
                          "(download it into assets/ and link it there to include it)")
            _replace_with_text(img, alt)
            continue
        target, rel = _find_local(unquote(parts.path), src)
        if target is None:
            diags.warning(src.file, line, 0, "image-missing",
                          f"image {url} not found in the project: left out, alt text kept")
            _replace_with_text(img, alt)
            continue
        media_type = IMAGE_TYPES.get(target.suffix.lower())
        if media_type is None:
            guess = mimetypes.guess_type(target.name)[0] or target.suffix
            diags.warning(src.file, line, 0, "image-type",
                          f"image {url} ({guess}) is not a PNG, JPEG, GIF or WebP: left out")
            _replace_with_text(img, alt)
            continue
        problem = image_problem(target, src.limits)
        if problem:
            diags.warning(src.file, line, 0, "image-unreadable", f"image {url} {problem}: left out, alt text kept")
            _replace_with_text(img, alt)
            continue
        if not alt:
            diags.warning(src.file, line, 0, "image-alt",
                          f"image {url} has no alt text: describe it for readers who cannot see it")
        img.set("src", quote(rel))
        img.set("alt", alt)
        image = Image(rel, media_type)
        if image not in body.images:
            body.images.append(image)


def image_problem(path: Path, limits: Limits = DEFAULT) -> str:
    """Why an image cannot go into a book ('' when it can): unreadable, or absurdly large."""
    from PIL import Image, UnidentifiedImageError

    try:
        if not path.is_file():
            return "is not a regular file"
        if path.stat().st_size > limits.resource_bytes:
            return f"is larger than {limits.resource_megabytes} MB (resource_megabytes): resize it"
        with Image.open(path) as image:
            if image.width * image.height > limits.image_pixels:
                return (f"is {image.width}×{image.height} pixels, too large to print (the limit image_pixels is "
                        f"{limits.image_pixels:,}): resize it to what the page needs at 300 dpi")
            image.verify()
    except Image.DecompressionBombError:
        return "has too many pixels to print (resize it to what the page needs at 300 dpi)"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"cannot be read ({type(exc).__name__}): is the file damaged?"
    return ""


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)"
                  r"((?:\s+[^\s\"'=<>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*(/?)>")
VOID = {"br", "hr", "img", "wbr", "col", "area", "input", "source", "track", "embed", "meta", "link"}


def flatten_deep(markup: str, limit: int) -> tuple[str, int]:
    """Remove start and end tags nested deeper than ``limit`` (their text stays); count them.

    ``markup`` is nh3's output: well-formed and fully escaped, so a tag-level scan is exact.
    The layout engine recurses once per level, and lxml silently drops text past 255 levels.
    """
    out: list[str] = []
    stack: list[bool] = []  # for each open element: was its start tag kept?
    depth = dropped = 0
    pos = 0
    for m in _TAG.finditer(markup):
        closing, name = m.group(1), m.group(2).lower()
        if name in VOID or m.group(4):
            continue
        if not closing:
            keep = depth < limit
            stack.append(keep)
            if keep:
                depth += 1
            else:
                out.append(markup[pos:m.start()])
                pos = m.end()
                dropped += 1
        elif stack:
            if stack.pop():
                depth -= 1
            else:
                out.append(markup[pos:m.start()])
                pos = m.end()
    if not dropped:
        return markup, 0
    out.append(markup[pos:])
    return "".join(out), dropped


def _find_local(path: str, src: Source) -> tuple[Path | None, str]:
    """A local image: site-root paths against the project root, others beside the review."""
    candidates = []
    if path.startswith("/"):
        candidates.append(path.lstrip("/"))
    else:
        review_dir = src.path.parent.resolve().relative_to(src.root.resolve())
        candidates += [(review_dir / path).as_posix(), path]
    for candidate in candidates:
        target, rel = _probe(src.root, candidate)
        if _looks:
            _looks[-1].append((candidate, rel, _digest(target)))
        if target is not None:
            return target, rel
    return None, ""


# What a parse learnt of the project's files (looked for, found, read), while :func:`looking`:
# (candidate path, the project-relative path found or "", the SHA-256 of its bytes or "").
Look = tuple[str, str, str]
_looks: list[list[Look]] = []


@contextlib.contextmanager
def looking() -> Iterator[list[Look]]:
    """The project files the parses inside the block look at (images: where they are, their
    bytes), for a parse to be kept and given again while they are as they were (:func:`unchanged`)."""
    looks: list[Look] = []
    _looks.append(looks)
    try:
        yield looks
    finally:
        _looks.pop()


def unchanged(root: Path, looks: list[Look] | tuple[Look, ...]) -> bool:
    """Whether every file a parse looked at is as it was: found at the same place with the
    same bytes, or still not there."""
    for candidate, rel, digest in looks:
        target, now = _probe(root, candidate)
        if now != rel or _digest(target) != digest:
            return False
    return True


def _probe(root: Path, candidate: str) -> tuple[Path | None, str]:
    target, _ = resolve_inside(root, candidate)
    if target is not None and target.is_file():
        return target, target.relative_to(root.resolve()).as_posix()
    return None, ""


def _digest(path: Path | None) -> str:
    """The SHA-256 of a file found, "" for none."""
    if path is None:
        return ""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _fix_links(root: etree._Element) -> None:
    for a in list(root.iter("a")):
        href = (a.get("href") or "").strip()
        scheme = urlsplit(href).scheme.lower()
        if scheme in LINK_SCHEMES and href:
            a.set("href", href)
        else:
            # Relative links and fragments point into a blog that the book does not contain.
            a.drop_tag()


def _fix_attributes(root: etree._Element) -> None:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        lang = el.get("lang")
        if lang is not None and not BCP47.match(lang):
            del el.attrib["lang"]
        direction = el.get("dir")
        if direction is not None and direction not in ("ltr", "rtl", "auto"):
            del el.attrib["dir"]
        for attr in ("colspan", "rowspan", "start"):
            value = el.get(attr)
            if value is not None and not value.isdigit():
                del el.attrib[attr]
        if el.tag == "bdo" and el.get("dir") not in ("ltr", "rtl"):
            el.set("dir", "ltr")
