"""Accessibility: DAISY Ace finds no violation in the sample EPUB.

Ace is optional. The test runs when an Ace command line is found and skips otherwise:
``$ANTHOLOGY_ACE`` (a path or a command name), else the first of ``ace``, ``ace-cli`` and
``ace-puppeteer`` on PATH that answers ``--version``. Use Ace's Puppeteer runner, the npm
package ``@daisy/ace-cli`` (its command is ``ace-cli``). The ``ace`` that ``@daisy/ace``
installs is the Electron runner, which needs an Electron binary downloaded at install time.

Ace's Puppeteer runner drives a Chromium. Here it is a system one (Debian's ``chromium``):
``$PUPPETEER_EXECUTABLE_PATH`` when set, else ``chromium`` (or a Chrome) on PATH; the test
skips without one. The runner always passes ``--no-sandbox``, so it works as root.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from anthology import build

ACE_COMMANDS = ("ace", "ace-cli", "ace-puppeteer")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
RUN_TIMEOUT = 600  # seconds for the whole run; the sample takes about 5 s
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """Exit code (None on timeout) and the combined output; on timeout the whole process group is killed."""
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # node and the Chromium it started
        out, _ = proc.communicate()
        return None, _ANSI.sub("", out)
    return proc.returncode, _ANSI.sub("", out)


def _browser() -> str:
    configured = os.environ.get("PUPPETEER_EXECUTABLE_PATH")
    if configured:
        if not os.access(configured, os.X_OK):
            pytest.skip(f"PUPPETEER_EXECUTABLE_PATH={configured} is not an executable")
        return configured
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium for Ace (apt-get install -y chromium, or set PUPPETEER_EXECUTABLE_PATH)")


def _ace(env: dict[str, str]) -> str:
    configured = os.environ.get("ANTHOLOGY_ACE")
    if configured:
        found = shutil.which(configured)
        if found is None:
            pytest.skip(f"ANTHOLOGY_ACE={configured} is not an executable")
        return found  # asked for by name: a broken one fails the run below
    tried = []
    for name in ACE_COMMANDS:
        found = shutil.which(name)
        if found is None:
            continue
        code, out = _run([found, "--version"], env, 60)
        if code == 0:
            return found
        lines = out.strip().splitlines()
        why = next((line.strip() for line in lines if line.startswith("Error")), lines[-1] if lines else "no output")
        tried.append(f"{found} --version exited {code}: {why}")
    if tried:
        pytest.skip("no working Ace (npm install @daisy/ace-cli; set ANTHOLOGY_ACE): " + "; ".join(tried))
    pytest.skip("Ace is not installed (npm install @daisy/ace-cli, then set ANTHOLOGY_ACE to its ace-cli)")


def _violations(node: object, document: str = "") -> list[str]:
    """One line per failed rule: document, rule id, impact, description, element and snippet."""
    found: list[str] = []
    if isinstance(node, list):
        for item in node:
            found += _violations(item, document)
        return found
    if not isinstance(node, dict):
        return found
    subject = node.get("earl:testSubject")
    if isinstance(subject, dict) and subject.get("url"):
        document = subject["url"]
    children = node.get("assertions")
    if children:
        return _violations(children, document)
    result = node.get("earl:result") or {}
    if node.get("@type") == "earl:assertion" and result.get("earl:outcome") == "fail":
        test = node.get("earl:test") or {}
        pointer = result.get("earl:pointer") or {}
        where = ", ".join(pointer.get("css") or [])
        line = f"{document}: {test.get('dct:title')} [{test.get('earl:impact')}] {result.get('dct:description')}"
        if where:
            line += f" at {where}"
        if result.get("html"):
            line += f": {result['html']}"
        found.append(line)
    return found


def test_sample_epub_has_no_ace_violations(repo_root: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"  # Ace writes its config and logs under the XDG directories
    env = dict(os.environ)
    env.update({
        "PUPPETEER_SKIP_DOWNLOAD": "1",
        "ACE_TIMEOUT_INITIAL": "60000",  # browser launch; Ace's default of 5 s is short on a busy machine
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "TMPDIR": str(tmp_path),
        "NO_COLOR": "1",
    })
    ace = _ace(env)
    env["PUPPETEER_EXECUTABLE_PATH"] = _browser()

    result, _ = build(repo_root, tmp_path, pdf=False)
    epub = result.outputs["epub"]
    report_dir = tmp_path / "ace"
    started = time.monotonic()
    code, out = _run([ace, "--force", "--lang", "en", "--outdir", str(report_dir),
                      "--tempdir", str(tmp_path / "ace-tmp"), str(epub)], env, RUN_TIMEOUT)
    took = time.monotonic() - started
    tail = "\n".join(out.strip().splitlines()[-30:])
    assert code is not None, f"Ace did not finish in {RUN_TIMEOUT} s:\n{tail}"
    assert code == 0, f"Ace exited {code} after {took:.0f} s:\n{tail}"
    report_file = report_dir / "report.json"
    assert report_file.is_file(), f"Ace wrote no report.json:\n{tail}"

    report = json.loads(report_file.read_text(encoding="utf-8"))
    checked = [a.get("earl:testSubject", {}).get("url") for a in report.get("assertions", [])]
    assert len(checked) > 1, f"Ace checked too little: {checked}"
    violations = _violations(report.get("assertions", []))
    outcome = report.get("earl:result", {}).get("earl:outcome")
    assert violations or outcome == "pass", f"Ace's outcome is {outcome!r} but no failed rule was read from the report"
    if violations:
        listing = "\n".join(violations)
        pytest.fail(f"Ace found {len(violations)} violation(s) in {epub.name}:\n{listing}", pytrace=False)
