"""Confinement audit (issue 8, item 4): a full build of a hostile project under strace.

The project tries every way out we know of: ``<img src="file:///etc/passwd">``, ``../``
paths, an absolute path to an image outside, remote ``http(s)`` images, ``@import`` of an
outside stylesheet and a remote one in ``templates/print.css``, a ``url(file:///etc/passwd)``
background, and an image that is a symlink out of the project. The build must succeed (with
warnings) while the kernel records every file any of its processes opens, every socket it
creates and every program it runs (``strace -ff``: one log per process or thread).

What may be opened (``allowed_prefixes``):
- the project, and anthology's own package (its theme and fonts), and the folders on the
  build's ``sys.path`` (src/ of an editable install);
- the Python installation: ``sys.prefix``, ``sys.base_prefix``, ``sys.exec_prefix`` (the
  font packages live in site-packages);
- the system libraries and their data: ``/lib*``, ``/usr/lib*``, a few ``/usr/share``
  folders (fonts, fontconfig, locale, zoneinfo, mime, glib), fontconfig's caches;
- ``/etc``: only the files the C library, fontconfig and Python's ``mimetypes`` read
  (``ETC_FILES``) — never ``/etc/passwd`` or anything like it;
- ``/proc/self``, ``/dev/null``, ``/dev/urandom``;
- ``/tmp`` only for the temporary files Python's ``tempfile`` and WeasyPrint name there
  (``TMP_PATTERNS``): WeasyPrint writes the theme's fonts into a folder for fontconfig,
  which render/engine.py names ``anthology-fonts-PID-*`` (and lists ``/tmp`` itself once, to
  remove those of processes that are gone), and ``ctypes.util.find_library`` (see below)
  writes ``tmp*`` / ``cc*`` files. The project itself is under ``/tmp`` in this test, so ``/tmp`` as a whole is not
  allowed: the folder beside the project, which holds the secrets, must stay unopened.

Programs: loading WeasyPrint runs ``ldconfig -p``, ``gcc`` (with ``collect2`` and ``ld``)
and ``ld``: cffi falls back to ``ctypes.util.find_library`` for every library name WeasyPrint
tries that is not found at once (Windows and macOS names, the optional harfbuzz-vector).
They are allowed (``HELPERS``), with the files a compiler driver opens, and listed in the
failure message if anything else runs. No AF_INET/AF_INET6 socket may be created and no
``connect()`` may go to a network address (Unix sockets, e.g. the C library asking nscd, are
reported but allowed).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

import anthology

STRACE = shutil.which("strace")
SECRET = "TOP-SECRET-OUTSIDE-THE-PROJECT"

ETC_FILES = (
    "/etc/ld.so.cache", "/etc/ld.so.preload",  # the dynamic linker
    "/etc/locale.alias", "/etc/default/locale",  # the C library's locale
    "/etc/fonts/",  # fontconfig's configuration
    "/etc/localtime", "/etc/timezone",  # the C library's and Python's time zone
    "/etc/mime.types", "/etc/httpd/mime.types", "/etc/apache/mime.types", "/etc/apache2/mime.types",  # mimetypes
    "/etc/gcrypt/", "/etc/ssl/openssl.cnf",  # crypto libraries' defaults, if loaded
    "/etc/gnutls/",
)
FORBIDDEN = ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf",
             "/etc/nsswitch.conf", "/root/.ssh", "/home")
USR_SHARE = ("fonts", "fontconfig", "locale", "zoneinfo", "mime", "glib-2.0", "X11/fonts", "gcc", "binutils")
HELPERS = {"ldconfig", "ldconfig.real", "gcc", "cc", "x86_64-linux-gnu-gcc", "collect2", "ld", "ld.bfd", "ld.gold",
           "x86_64-linux-gnu-ld", "x86_64-linux-gnu-ld.bfd"}
TMP_PATTERNS = (
    re.compile(r"^/tmp/weasyprint-[a-z0-9_]{8}(/|$)"),  # WeasyPrint: the theme's fonts, for fontconfig
    re.compile(r"^/tmp/anthology-fonts-\d+-[a-z0-9_]{8}(/|$)"),  # the same, named by render/engine.py
    re.compile(r"^/tmp$"),  # listed (names only) for the font folders of processes that are gone
    re.compile(r"^/tmp/tmp[a-z0-9_]{8}$"),  # tempfile's default names (ctypes.util.find_library's output)
    re.compile(r"^/tmp/[a-z0-9_]{8}$"),  # tempfile.gettempdir() probing that /tmp is writable
    re.compile(r"^/tmp/cc[A-Za-z0-9]{6}(\.[a-z]+)+$"),  # gcc's and collect2's own temporaries
)

SYSCALL = re.compile(r"^(?:<\.\.\. )?(openat2?|open|creat|socket|connect|execve)\b(?: resumed>)?\(?(.*)$")
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
RESULT = re.compile(r"\)\s+=\s+(-?\d+)(?:<([^>]*)>)?")


@dataclass
class Process:
    """One strace log: a process or a thread, and what it did."""

    program: str = ""  # the last successful execve, "" for a thread or a child that never exec'd
    opened: list[tuple[str, bool]] = field(default_factory=list)  # (path, succeeded)
    sockets: list[str] = field(default_factory=list)
    connects: list[str] = field(default_factory=list)
    execs: list[str] = field(default_factory=list)


def _unescape(text: str) -> str:
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode(
        "utf-8", "replace")


def parse(log: Path, cwd: Path) -> Process:
    proc = Process()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        m = SYSCALL.match(line)
        if m is None:
            continue
        call, rest = m.groups()
        result = RESULT.search(rest)
        ok = result is not None and not result.group(1).startswith("-")
        if call == "socket":
            proc.sockets.append(rest)
        elif call == "connect":
            proc.connects.append(rest)
        elif call == "execve":
            q = QUOTED.search(rest)
            if q and ok:
                proc.program = _unescape(q.group(1))
                proc.execs.append(proc.program)
        else:
            annotated = result.group(2) if result is not None and ok else None
            q = QUOTED.search(rest)
            if annotated:  # strace -y: the file actually opened, symlinks resolved
                proc.opened.append((_unescape(annotated), True))
            elif q:
                path = _unescape(q.group(1))
                if not path.startswith("/"):
                    base = re.match(r"^(?:AT_FDCWD|\d+)<([^>]*)>", rest)
                    path = os.path.join(base.group(1) if base else str(cwd), path)
                proc.opened.append((os.path.normpath(path), ok))
    return proc


def import_path(cwd: Path, env: dict[str, str] | None = None) -> list[str]:
    """``sys.path`` of a Python started as the build is (src/ of an editable install, PYTHONPATH…)."""
    run = subprocess.run([sys.executable, "-c", "import sys; print('\\n'.join(sys.path))"], cwd=cwd, env=env,
                         capture_output=True, text=True, check=True)
    return [line for line in run.stdout.splitlines() if line]


def allowed_prefixes(project: Path, imports: list[str]) -> list[str]:
    package = Path(anthology.__file__).resolve().parent
    paths = {project.resolve(), package, *(Path(p).resolve() for p in imports)}
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        paths |= {Path(prefix), Path(prefix).resolve()}
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        paths.add(Path(sysconfig.get_paths()[name]).resolve())
    paths.add(Path(sys.executable).resolve().parent)
    prefixes = [str(p) + "/" for p in paths]
    prefixes += ["/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/"]
    prefixes += [f"/usr/share/{d}/" for d in USR_SHARE] + [f"/usr/local/share/{d}/" for d in USR_SHARE]
    prefixes += ["/var/cache/fontconfig/", "/usr/share/poppler/",  # fontconfig's caches; poppler-data's cMaps
                 "/proc/self/", "/proc/filesystems",  # the C library (and libselinux) asking about itself
                 "/dev/null", "/dev/urandom", "/dev/shm/sem.",  # multiprocessing's semaphores (parallel layout)
                 *ETC_FILES]
    home = Path.home()
    prefixes += [f"{home}/{name}" for name in (  # fontconfig's per-user configuration, fonts and caches
        ".cache/fontconfig/", ".fontconfig/", ".config/fontconfig/", ".fonts.conf", ".fonts.conf.d/", ".fonts/",
        ".local/share/fonts/")]
    # the tool's own cache of compiled templates (render/html.py), wherever the environment puts it
    prefixes += [f"{home}/.cache/anthology/"] + [f"{os.environ[name]}/{sub}/" for name, sub in (
        ("XDG_CACHE_HOME", "anthology"), ("ANTHOLOGY_CACHE_DIR", "user")) if os.environ.get(name)]
    return prefixes


def is_allowed(path: str, prefixes: list[str], pid: int, helper: bool) -> bool:
    if any(path == p.rstrip("/") or path.startswith(p) for p in prefixes):
        return True
    if re.match(rf"^/proc/({pid}|\d+/task/{pid}|thread-self)(/|$)", path):
        return True
    if any(p.match(path) for p in TMP_PATTERNS):
        return True
    if helper:  # the compiler driver and the linker, run by ctypes.util.find_library: their own files
        return path.startswith(("/usr/bin/", "/usr/libexec/gcc/", "/usr/lib/gcc/", "/usr/x86_64-linux-gnu/",
                                "/etc/ld.so.conf", "/usr/local/bin/", "/usr/local/lib64/", "/bin/", "/sbin/"))
    return False


def write_hostile_project(root: Path, outside: Path) -> None:
    def png() -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
        return buffer.getvalue()

    outside.mkdir()
    (outside / "secret.png").write_bytes(png())
    (outside / "secret.css").write_text(f"/* {SECRET} */ body {{ color: black }}\n", encoding="utf-8")
    for folder in ("reviews", "templates", "assets"):
        (root / folder).mkdir(parents=True)
    (root / "assets" / "ok.png").write_bytes(png())
    os.symlink(outside / "secret.png", root / "assets" / "leak.png")
    (root / "reviews" / "a.md").write_text(
        "# Hostile\n\nDirector: Some One\nStarring: Ann Actor\n\n"
        '<img src="file:///etc/passwd" alt="passwd">\n\n'
        "![dotdot](../../outside/secret.png)\n\n"
        f"![absolute]({outside}/secret.png)\n\n"
        f'<img src="file://{outside}/secret.png" alt="file url">\n\n'
        "![remote](http://example.com/x.png)\n\n"
        "![remote by address](https://192.0.2.1/y.png)\n\n"
        "![symlink out](../assets/leak.png)\n\n"
        "![fine](../assets/ok.png)\n\n"
        '<img src="/etc/hostname" alt="absolute"> and [a link](file:///etc/shadow).\n',
        encoding="utf-8")
    (root / "reviews" / "b.txt").write_text(
        "Title: Plain\nDirector: Some One\nA paragraph that names file:///etc/passwd.\n", encoding="utf-8")
    (root / "templates" / "print.css").write_text(
        f'@import url("file://{outside}/secret.css");\n'
        '@import "../../outside/secret.css";\n'
        '@import url("http://example.com/x.css");\n'
        'body { background: url("file:///etc/passwd") }\n'
        'h1 { background: url("https://192.0.2.1/z.png") }\n', encoding="utf-8")
    (root / "anthology.yaml").write_text(
        "title: Test Book\ncover: assets/ok.png\nchapters:\n  - reviews/a.md\n  - reviews/b.txt\n", encoding="utf-8")


@dataclass
class Audit:
    outside: list[str] = field(default_factory=list)  # files opened (or tried) outside the allowed places
    network: list[str] = field(default_factory=list)  # AF_INET/AF_INET6 (or other non-Unix) sockets, connects
    unix: list[str] = field(default_factory=list)  # Unix sockets: reported, allowed
    programs: set[str] = field(default_factory=set)  # every program run

    def report(self) -> str:
        return f"\nprograms run: {sorted(self.programs)}\nunix sockets: {self.unix}\n"


def audit(logs: Path, cwd: Path, project: Path, secrets: Path, imports: list[str]) -> Audit:
    """Read ``strace -ff -y`` logs (``log.PID``) and sort what the processes did."""
    prefixes = allowed_prefixes(project, imports)
    found = Audit()
    for log in sorted(logs.iterdir()):
        pid = int(log.suffix.lstrip("."))
        proc = parse(log, cwd)
        helper = Path(proc.program).name in HELPERS
        found.programs.update(proc.execs)
        for path, ok in dict.fromkeys(proc.opened):
            forbidden = path.startswith(str(secrets)) or any(path == f or path.startswith(f + "/") for f in FORBIDDEN)
            if forbidden or not is_allowed(path, prefixes, pid, helper):
                found.outside.append(f"{log.name} ({proc.program or 'thread'}): {path} [{'opened' if ok else 'tried'}]")
        for call in proc.sockets:
            (found.unix if "AF_UNIX" in call or "AF_LOCAL" in call else found.network).append(f"socket({call}")
        found.network += [f"connect({call}" for call in proc.connects if "AF_INET" in call]
    return found


def traced(cmd: list[str], logs: Path, cwd: Path,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert STRACE is not None
    logs.mkdir()
    run = subprocess.run([STRACE, "-ff", "-qq", "-y", "-e", "trace=openat,open,openat2,creat,socket,connect,execve",
                          "-o", str(logs / "log"), *cmd], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)
    if run.returncode != 0 and "ptrace" in run.stderr and not list(logs.iterdir()):
        pytest.skip(f"strace cannot trace here: {run.stderr.strip()[:200]}")
    return run


@pytest.mark.skipif(STRACE is None, reason="strace is not installed")
def test_build_opens_nothing_outside(tmp_path: Path) -> None:
    root = tmp_path / "book"
    outside = tmp_path / "outside"
    write_hostile_project(root, outside)
    env = {k: v for k, v in os.environ.items() if k != "ANTHOLOGY_CACHE_DIR"}  # the cache in the project, as by default
    run = traced([sys.executable, "-m", "anthology", "build", str(root)], tmp_path / "strace", root, env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert "not read" in run.stderr or "left out" in run.stderr, run.stderr  # the hostile parts were refused

    found = audit(tmp_path / "strace", root, root, outside.resolve(), import_path(root, env))
    python = {str(Path(sys.executable)), str(Path(sys.executable).resolve())}
    others = sorted(p for p in found.programs if p not in python and Path(p).name not in HELPERS)
    assert not found.network, "network sockets:\n" + "\n".join(found.network) + found.report()
    assert not others, f"unexpected programs run: {others}" + found.report()
    assert not found.outside, "files opened outside the allowed places:\n" + "\n".join(found.outside) + found.report()
    for data in (p.read_bytes() for p in (root / "build").iterdir()):
        assert SECRET.encode() not in data


@pytest.mark.skipif(STRACE is None, reason="strace is not installed")
def test_the_audit_sees_a_leak(tmp_path: Path) -> None:
    """The audit itself: a process that reads /etc/passwd, a file beside the project through a
    symlink and a relative path, and opens a network socket, is caught on every count."""
    root = tmp_path / "book"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    os.symlink(outside / "secret.txt", root / "link.txt")
    code = ("import socket\nopen('/etc/passwd').close()\nopen('link.txt').close()\n"
            "open('../outside/secret.txt').close()\nsocket.socket(socket.AF_INET6, socket.SOCK_STREAM).close()\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.connect(('192.0.2.1', 9))\n")
    run = traced([sys.executable, "-c", code], tmp_path / "strace", root)
    assert run.returncode == 0, run.stderr
    found = audit(tmp_path / "strace", root, root, outside.resolve(), import_path(root))
    leaks = "\n".join(found.outside)
    assert "/etc/passwd [opened]" in leaks
    assert f"{outside.resolve()}/secret.txt [opened]" in leaks  # through the symlink, and by ../
    assert any("AF_INET6" in n for n in found.network) and any("AF_INET," in n for n in found.network)
    assert any(n.startswith("connect(") and "192.0.2.1" in n for n in found.network)
