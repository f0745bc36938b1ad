"""`anthology build --watch` (issue 6, item 4): a real process, real edits, real Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REVIEW = "Title: A Film\nDirector: Ann Director\nStarring: Bob Actor\nThe first paragraph.\n"
MANIFEST = "title: Watched\nchapters:\n  - reviews/a.txt\n  - reviews/b.txt\n"


class Watcher:
    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "anthology.cli", "build", "--watch", str(root)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"})
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.errors: list[str] = []
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._collect, daemon=True).start()

    @staticmethod
    def _read(stream, into: queue.Queue[str]) -> None:
        for line in stream:
            into.put(line.rstrip("\n"))

    def _collect(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.errors.append(line.rstrip("\n"))

    def wait_for(self, start: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.proc.poll() is None, f"the watcher exited: {self.seen}, {self.errors}"
                continue
            self.seen.append(line)
            if line.startswith(start):
                return line
        raise AssertionError(f"no line starting {start!r} within {timeout} s: {self.seen}\n{self.errors}")


def test_watch_rebuilds_survives_a_bad_edit_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    root = tmp_path / "book"
    (root / "reviews").mkdir(parents=True)
    (root / "reviews" / "a.txt").write_text(REVIEW, encoding="utf-8")
    (root / "reviews" / "b.txt").write_text(REVIEW.replace("A Film", "B Film"), encoding="utf-8")
    (root / "anthology.yaml").write_text(MANIFEST, encoding="utf-8")
    watcher = Watcher(root)
    try:
        first = watcher.wait_for("built: ")
        assert "rebuilt in" in first and "laid out" in first
        watcher.wait_for("watching ")
        pdf = root / "build" / "watched.pdf"
        assert pdf.is_file()

        time.sleep(0.5)
        (root / "reviews" / "a.txt").write_text(REVIEW + "A second paragraph about Bob Actor.\n", encoding="utf-8")
        edited = watcher.wait_for("changed reviews/a.txt: ")
        assert "rebuilt in" in edited
        # Only the edited chapter was laid out again; the other came from the cache.
        assert " reused" in edited and not edited.split("(")[1].startswith("0 laid out"), edited
        good = pdf.read_bytes()

        time.sleep(0.5)
        (root / "anthology.yaml").write_text("title: [unclosed\nchapters:\n  - reviews/a.txt\n", encoding="utf-8")
        broken = watcher.wait_for("changed anthology.yaml: ")
        assert "not rebuilt" in broken
        located = str(root / "anthology.yaml") + ":2:9: error:"
        deadline = time.monotonic() + 10
        while not any(line.startswith(located) for line in watcher.errors) and time.monotonic() < deadline:
            time.sleep(0.1)  # stderr is read by another thread
        assert any(line.startswith(located) for line in watcher.errors), watcher.errors
        assert pdf.read_bytes() == good, "a failed rebuild touched the last good book"

        time.sleep(0.5)
        (root / "anthology.yaml").write_text(MANIFEST.replace("Watched", "Watched Again"), encoding="utf-8")
        assert "rebuilt in" in watcher.wait_for("changed anthology.yaml: ")
        assert (root / "build" / "watched-again.pdf").is_file()
    finally:
        watcher.proc.send_signal(signal.SIGINT)
        try:
            watcher.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            watcher.proc.kill()
            raise
    assert watcher.proc.returncode == 0
    time.sleep(0.2)
    assert not any("Traceback" in line for line in watcher.errors), watcher.errors
    rest = []
    while not watcher.lines.empty():
        rest.append(watcher.lines.get())
    assert "stopped watching" in rest, watcher.seen + rest
