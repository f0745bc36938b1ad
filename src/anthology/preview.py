"""``anthology preview``: build, serve the book on 127.0.0.1, rebuild on save, reload the page.

The page shows the chapters as HTML with the print stylesheet, links to the latest PDF and
EPUB, and — when the last edit broke the book — the errors instead of the book, until the
next good save. It polls ``/__version`` and reloads itself when a rebuild finishes.
The library never prints: the CLI reports what the server does.
"""

from __future__ import annotations

import html
import json
import mimetypes
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import AnthologyError, Diagnostic, Diagnostics
from .index import build_indexes
from .load import load_book
from .load.memo import ReviewMemo
from .load.store import ReviewStore
from .render.build import build
from .render.confine import ConfinedPaths
from .render.context import template_context, with_anchors
from .render.html import make_environment, render, stylesheet
from .render.lock import OnWait, build_lock

WATCHED = ("anthology.yaml", "people.yaml", "reviews", "templates", "assets")
_RELOAD = """<script>
(function () {
  var seen = null;
  function poll() {
    fetch('/__version').then(function (r) { return r.json(); }).then(function (v) {
      if (seen === null) { seen = v.version; } else if (v.version !== seen) { location.reload(); }
    }).catch(function () {}).finally(function () { setTimeout(poll, 700); });
  }
  poll();
})();
</script>"""


@dataclass(slots=True)
class State:
    """The last build: its page, its outputs, its messages; ``version`` counts rebuilds."""

    version: int = 0
    page: str = ""
    outputs: dict[str, Path] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    ok: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def snapshot(root: Path) -> dict[str, float]:
    """Modification times of every file the book is made from."""
    times: dict[str, float] = {}
    for name in WATCHED:
        path = root / name
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
        for f in files:
            try:
                times[str(f)] = f.stat().st_mtime_ns
            except OSError:
                continue
    return times


def rebuild(root: Path, out: Path, state: State, on_wait: OnWait | None = None,
            memo: ReviewMemo | None = None) -> None:
    """Build the book and its preview page; on bad input, keep the error for the page.

    Holds the project's build lock, like ``anthology build``: ``on_wait(message)`` is told
    when another build of the project makes this one wait. ``memo``: the reviews parsed
    before, kept from one rebuild to the next (load/memo.py)."""
    diags = Diagnostics()
    try:
        with build_lock(root, on_wait=on_wait):
            book, diags = load_book(root, diags, memo)
            if book is None:
                raise AnthologyError(list(diags))
            result = build(book, out, diags,
                           tidy=memo.store.prune if memo is not None and memo.store is not None else None)
        page = _book_page(book, result.outputs)
        ok = True
    except AnthologyError as exc:
        shown = list(dict.fromkeys([*diags, *exc.diagnostics]))
        page, ok = _error_page(shown), False
        result = None
    with state.lock:
        state.page = page
        state.ok = ok
        state.diagnostics = list(diags)
        if result is not None:
            state.outputs = dict(result.outputs)
        state.version += 1


def _book_page(book, outputs: dict[str, Path]) -> str:
    people, indexes = build_indexes(book)
    book = with_anchors(book, people)
    env = make_environment(book.root)
    context = template_context(book, people, indexes, lambda entry_id: f"#{entry_id}")
    body = render(env, book.root, "book.html.j2", book=book, output="pdf", href=lambda t: f"#{t}", **context)
    css = stylesheet(env, "common.css") + stylesheet(env, "print.css")
    links = " · ".join(f'<a href="/{kind}">{html.escape(path.name)}</a>' for kind, path in outputs.items())
    toolbar = (f'<div class="preview-bar"><strong>{html.escape(book.title)}</strong> — '
               f'{len(book.chapters)} chapters · {links}</div>')
    style = ("<style>" + css + "\n.preview-bar{position:sticky;top:0;background:#fffbe8;padding:.4em 1em;"
             "border-bottom:1px solid #ccc;font:14px sans-serif;z-index:1}"
             "section.chapter,section.part{max-width:36em;margin:2em auto;padding:0 1em}</style>")
    return body.replace("</head>", style + "</head>", 1).replace(
        f'<body data-title="{html.escape(book.title, quote=True)}">',
        f'<body data-title="{html.escape(book.title, quote=True)}">{toolbar}', 1).replace(
        "</body>", _RELOAD + "</body>", 1)


def _error_page(diagnostics: list[Diagnostic]) -> str:
    items = "".join(f"<li><code>{html.escape(str(d))}</code></li>" for d in diagnostics)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>anthology: errors</title>"
            "<style>body{font:15px sans-serif;margin:2em}li{margin:.5em 0}</style></head>"
            f"<body><h1 class='preview-error'>The book could not be built</h1><ul>{items}</ul>"
            "<p>Fix the file and save: this page reloads by itself.</p>" + _RELOAD + "</body></html>")


def _handler(root: Path, state: State) -> type[BaseHTTPRequestHandler]:
    fetcher = ConfinedPaths([root])

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # the library never prints
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            path = unquote(urlsplit(self.path).path)
            with state.lock:
                page, version, outputs = state.page, state.version, dict(state.outputs)
            if path == "/":
                self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")
            elif path == "/__version":
                self._send(HTTPStatus.OK, json.dumps({"version": version}).encode(), "application/json")
            elif path.lstrip("/") in outputs and outputs[path.lstrip("/")].is_file():
                target = outputs[path.lstrip("/")]
                kind = "application/pdf" if target.suffix == ".pdf" else "application/epub+zip"
                self._send(HTTPStatus.OK, target.read_bytes(), kind)
            else:  # images and other project files: inside the project only
                target = root / path.lstrip("/")
                if path != "/" and fetcher.allows(target) and target.is_file():
                    kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                    self._send(HTTPStatus.OK, target.read_bytes(), kind)
                else:
                    self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    return Handler


class Preview:
    """A preview server with its watcher; ``start()`` returns at once, ``stop()`` ends both."""

    def __init__(self, root: Path, out: Path | None = None, port: int = 8000, interval: float = 0.5) -> None:
        self.root = root.resolve()
        self.out = out or self.root / "build"
        self.state = State()
        self.interval = interval
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.root, self.state))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.on_rebuild = None  # optional callback(state), for the CLI to report
        self.on_wait: OnWait | None = None  # optional callback(message): another build holds the lock
        self.memo = ReviewMemo(ReviewStore(self.root))  # reviews read again only when saved, as by build --watch

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> None:
        rebuild(self.root, self.out, self.state, self.on_wait, self.memo)
        self._threads = [threading.Thread(target=self.server.serve_forever, daemon=True),
                         threading.Thread(target=self._watch, daemon=True)]
        for thread in self._threads:
            thread.start()

    def _watch(self) -> None:
        seen = snapshot(self.root)
        while not self._stop.wait(self.interval):
            now = snapshot(self.root)
            if now != seen:
                seen = now
                time.sleep(0.1)  # let an editor finish writing
                rebuild(self.root, self.out, self.state, self.on_wait, self.memo)
                if self.on_rebuild is not None:
                    self.on_rebuild(self.state)

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
